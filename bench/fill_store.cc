// fill_store: fills a store with synthetic records through the harvester's
// own reader and the store's page writer, without HTTP: the harvest pipeline
// alone, and a quick way to make large stores for provider benchmarks.
// STORE is a SQLite file or a postgresql:// URL. FIRST (default 0) is the
// first synthetic record's number: processes given disjoint ranges and
// sources can fill one PostgreSQL store at once.
//   fill_store STORE RECORDS [SOURCE [FIRST]]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/synthetic_records.h"
#include "harvester/response_reader.h"
#include "store/store.h"

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::fprintf(stderr, "usage: fill_store STORE RECORDS [SOURCE [FIRST]]\n");
    return 2;
  }
  const std::string path = argv[1];
  const std::uint64_t records = std::strtoull(argv[2], nullptr, 10);
  const std::string source_name = argc >= 4 ? argv[3] : "bench";
  const std::uint64_t offset = argc == 5 ? std::strtoull(argv[4], nullptr, 10) : 0;
  constexpr std::uint64_t kPerPage = 100;
  try {
    auto store = store::Store::open(path);
    const auto source = store.upsert_source(source_name, "http://127.0.0.1/oai");
    store.save_formats(source, {{"oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                                 "http://www.openarchives.org/OAI/2.0/oai_dc/"}});
    const auto list = store.open_list(source, "oai_dc").id;
    const auto run = store.begin_run(source);
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t bytes = 0;
    double read_seconds = 0;   // in read_response
    double write_seconds = 0;  // in write_page
    for (std::uint64_t first = 0; first < records; first += kPerPage) {
      const auto count = std::min(kPerPage, records - first);
      const bool last = first + count >= records;
      std::string page =
          bench::list_records_page(offset + first, count, last ? "" : "next", records);
      bytes += page.size();
      const auto read_start = std::chrono::steady_clock::now();
      auto response = harvester::read_response(std::move(page));
      const auto write_start = std::chrono::steady_clock::now();
      read_seconds += std::chrono::duration<double>(write_start - read_start).count();
      store::HarvestedPage harvested;
      harvested.list_id = list;
      harvested.run_id = run;
      harvested.response_date = response.response_date;
      harvested.records = std::move(response.records);
      if (last)
        harvested.next_from = response.response_date;
      else
        harvested.continue_at = store::Checkpoint{{}, {}, response.response_date, "next", 1};
      store.write_page(harvested);
      write_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - write_start).count();
    }
    store.finish_run(run, store::RunResult::kOk);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf(
        "%llu records, %.1f MB of XML, %.2f s, %.0f records/s (reading %.2f s, writing %.2f s)\n",
        static_cast<unsigned long long>(records), static_cast<double>(bytes) / 1e6, seconds,
        static_cast<double>(records) / seconds, read_seconds, write_seconds);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "fill_store: %s\n", error.what());
    return 1;
  }
  return 0;
}
