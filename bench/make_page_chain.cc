// make_page_chain: writes a chain of synthetic ListRecords pages,
// DIR/page-0.xml ... page-N.xml (page N's resumption token is "pN+1"; the last
// page's is empty), for bench/page_server, and DIR/chain-rules.json, the rules
// that serve them with tests/fixture_server/fixture_server.py. One page of
// about 50 MB: RECORDS = PER_PAGE = 31000 (a record is about 1.7 KB).
//   make_page_chain RECORDS PER_PAGE DIR
//   make_page_chain --word RANK    prints the vocabulary word of that rank
// Prints one line: records=N pages=P page_bytes=B record_bytes=R
// largest_page_bytes=L, where record_bytes counts the <record> elements alone
// (what a store keeps), page_bytes the whole responses.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "bench/synthetic_records.h"

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--word") {
    std::printf("%s\n", bench::vocabulary_word(std::strtoull(argv[2], nullptr, 10)).c_str());
    return 0;
  }
  if (argc != 4) {
    std::fprintf(stderr, "usage: make_page_chain RECORDS PER_PAGE DIR | --word RANK\n");
    return 2;
  }
  const std::uint64_t records = std::strtoull(argv[1], nullptr, 10);
  const std::uint64_t per_page = std::strtoull(argv[2], nullptr, 10);
  // Absolute, so the scenario works from any working directory.
  const std::string dir = std::filesystem::absolute(argv[3]).string();
  if (records == 0 || per_page == 0) {
    std::fprintf(stderr, "make_page_chain: RECORDS and PER_PAGE must be positive\n");
    return 2;
  }
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    std::fprintf(stderr, "make_page_chain: cannot create %s: %s\n", dir.c_str(),
                 error.message().c_str());
    return 1;
  }
  const std::uint64_t pages = (records + per_page - 1) / per_page;
  std::uint64_t bytes = 0;
  std::uint64_t record_bytes = 0;
  std::uint64_t largest_page = 0;
  std::string rules;
  for (std::uint64_t page = 0; page < pages; ++page) {
    const std::uint64_t first = page * per_page;
    const std::uint64_t count = std::min(per_page, records - first);
    const std::string next = page + 1 < pages ? "p" + std::to_string(page + 1) : "";
    const std::string body = bench::list_records_page(first, count, next, records);
    const std::string file = dir + "/page-" + std::to_string(page) + ".xml";
    std::ofstream out(file, std::ios::binary);
    out << body;
    if (!out.flush()) {
      std::fprintf(stderr, "make_page_chain: cannot write %s\n", file.c_str());
      return 1;
    }
    bytes += body.size();
    largest_page = std::max<std::uint64_t>(largest_page, body.size());
    // The same response without its records: the envelope alone.
    record_bytes += body.size() - bench::list_records_page(first, 0, next, records).size();
    const std::string token = page == 0 ? "null" : "\"p" + std::to_string(page) + "\"";
    rules += std::string(page == 0 ? "" : ",\n") +
             "{\"match\": {\"verb\": \"ListRecords\", \"resumptionToken\": " + token +
             "}, \"responses\": [{\"body_file\": \"" + file + "\"}]}";
  }
  std::ofstream(dir + "/chain-rules.json") << "[" << rules << "]\n";
  std::printf("records=%llu pages=%llu page_bytes=%llu record_bytes=%llu largest_page_bytes=%llu\n",
              static_cast<unsigned long long>(records), static_cast<unsigned long long>(pages),
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(record_bytes),
              static_cast<unsigned long long>(largest_page));
  return 0;
}
