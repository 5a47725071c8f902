// make_page_chain: writes a chain of synthetic ListRecords pages and the
// scenario that serves them with tests/fixture_server/fixture_server.py.
//   make_page_chain RECORDS PER_PAGE DIR
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "bench/synthetic_records.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: make_page_chain RECORDS PER_PAGE DIR\n");
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
  const std::uint64_t pages = (records + per_page - 1) / per_page;
  std::uint64_t bytes = 0;
  std::string rules;
  for (std::uint64_t page = 0; page < pages; ++page) {
    const std::uint64_t first = page * per_page;
    const std::uint64_t count = std::min(per_page, records - first);
    const std::string next = page + 1 < pages ? "p" + std::to_string(page + 1) : "";
    const std::string body = bench::list_records_page(first, count, next, records);
    const std::string file = dir + "/page-" + std::to_string(page) + ".xml";
    std::ofstream(file, std::ios::binary) << body;
    bytes += body.size();
    const std::string token = page == 0 ? "null" : "\"p" + std::to_string(page) + "\"";
    rules += std::string(page == 0 ? "" : ",\n") +
             "{\"match\": {\"verb\": \"ListRecords\", \"resumptionToken\": " + token +
             "}, \"responses\": [{\"body_file\": \"" + file + "\"}]}";
  }
  std::ofstream(dir + "/chain-rules.json") << "[" << rules << "]\n";
  std::printf("%llu records, %llu pages, %llu bytes\n", static_cast<unsigned long long>(records),
              static_cast<unsigned long long>(pages), static_cast<unsigned long long>(bytes));
  return 0;
}
