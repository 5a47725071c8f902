// A deterministic generator of realistic oai_dc records for benchmarks: the
// same seed gives the same bytes on every machine.
#ifndef BENCH_SYNTHETIC_RECORDS_H_
#define BENCH_SYNTHETIC_RECORDS_H_

#include <cstdint>
#include <string>

namespace bench {

// Appends to `out` the <record> of record `n` (0-based): a header with two
// sets, and an oai_dc payload of about 1.6 KB with a title, 1-3 creators,
// subjects, two descriptions, dates, identifiers, text in Latin, Cyrillic,
// Greek and CJK scripts, and escaped `&` and `<`. About 2 % of records are
// deleted (header only).
void append_record(std::string& out, std::uint64_t n);

// The word of the records' long-tail vocabulary at `rank` (0 is the most
// frequent; rank r is in about 3 / (r + 1) of the records, for r up to a few
// thousand): what a benchmark queries for.
std::string vocabulary_word(std::size_t rank);

// Whether record `n` is one of the deleted ones.
bool is_deleted(std::uint64_t n);

// A whole ListRecords response holding records [first, first + count), with
// `next_token` as its resumption token (empty on the last page).
std::string list_records_page(std::uint64_t first, std::uint64_t count,
                              const std::string& next_token, std::uint64_t complete_list_size);

}  // namespace bench

#endif  // BENCH_SYNTHETIC_RECORDS_H_
