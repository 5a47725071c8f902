// What writing a page computes from its records alone, whatever the store
// engine: content hashes, the Dublin Core JSON, the full-text columns. Known
// only to the store module.
#ifndef STORE_PREPARED_RECORDS_H_
#define STORE_PREPARED_RECORDS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace store {

// SHA-256 (hex) of everything we serve for a record, so a re-harvest that
// brings identical content keeps our datestamp (G-5, AG-1).
std::string content_hash(bool deleted, std::vector<std::string> sets, std::string_view metadata,
                         std::string_view about);

// The five full-text columns: title, creator, subject, description,
// everything else; repeated elements one a line. The SQLite view
// dc_fts_text (003) computes the same from records.dc.
using TextColumns = std::array<std::string, 5>;

// The elements as records.dc holds them: [[element, value, lang or null], ...].
std::string dc_json(const std::vector<DcElement>& elements);

// The page's records as they will be written, index for index.
struct PreparedRecords {
  struct Record {
    std::string hash;     // content_hash()
    std::string dc_json;  // empty for none
    TextColumns text;     // the full-text columns, when dc_json is set
  };
  std::vector<Record> records;
};

PreparedRecords prepare(const std::vector<HarvestedRecord>& records);

// What the page writers use: `page.prepared` when it was prepared for these
// records, else prepare(page.records) computed into `owned`, which must
// outlive the result.
const PreparedRecords& prepared_of(const HarvestedPage& page, PreparedRecords& owned);

// A record as the store holds it before the page is written.
struct Existing {
  std::int64_t id = 0;
  std::string hash;
  bool deleted = false;
};

// A record of the page with what the store holds of it.
struct PlannedRecord {
  const HarvestedRecord* record;
  const PreparedRecords::Record* prepared;
  std::optional<Existing> existing;
};

// `text` with every ASCII character that is not a letter or digit turned
// into a space: how SQLite's unicode61 tokenizer splits words (it keeps
// letters and digits, and splits at everything else). PostgreSQL's text
// parser would keep URLs, e-mail addresses, paths and numbers such as 3.14
// or 168-194 whole; its texts and queries are split with this first, so that
// both engines find the same words. (Other scripts' punctuation is split by
// PostgreSQL's parser itself.)
std::string split_words(std::string_view text);

// Only the fifteen elements of oai_dc may be stored (DC-1): throws
// StoreError naming the record and the element otherwise.
void check_dublin_core(const HarvestedRecord& record);

}  // namespace store

#endif  // STORE_PREPARED_RECORDS_H_
