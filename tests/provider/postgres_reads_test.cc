// What the provider reads from the store, on both engines: keyset pages to
// the end, counts, single records, formats, sets, the earliest datestamp,
// and one snapshot while a ReadSnapshot lives. The PostgreSQL
// engine must give exactly what the SQLite one gives.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "store/query.h"
#include "store/store.h"
#include "tests/support/postgres_database.h"
#include "tests/support/temp_dir.h"

namespace {

using store::HarvestedPage;
using store::HarvestedRecord;
using store::RecordQuery;
using store::ServedRecord;
using store::Store;

enum class Engine { kSqlite, kPostgres };

std::string engine_name(const ::testing::TestParamInfo<Engine>& info) {
  return info.param == Engine::kSqlite ? "SQLite" : "PostgreSQL";
}

std::string item(int n) {
  char id[48];
  std::snprintf(id, sizeof id, "oai:demo.example.org:item-%04d", n);
  return id;
}

HarvestedRecord record(int n) {
  HarvestedRecord record;
  record.identifier = item(n);
  record.datestamp = "2024-05-01T10:00:00Z";
  if (n % 10 == 9) {
    record.deleted = true;
    record.set_specs = {"odd"};
    return record;
  }
  // Sets by whole parts (S-3): "even" and "even:tens" are one family, "evens" another.
  record.set_specs = {n % 2 == 0 ? "even" : "odd"};
  if (n % 10 == 0) record.set_specs.push_back("even:tens");
  if (n % 7 == 0) record.set_specs.push_back("evens");
  const std::string title = "Item number " + std::to_string(n);
  record.metadata =
      "<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" "
      "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>" +
      title + "</dc:title></oai_dc:dc>";
  record.about = n == 1 ? "<provenance>first</provenance>" : "";
  record.dc = {{"title", title, "en"}, {"date", "2024", ""}};
  return record;
}

// A store of the test's engine: sources "demo" (oai_dc, 120 records in four
// pages, every tenth a tombstone; marc21, 3 records) and "other" (oai_dc, 5
// records).
class ProviderReads : public ::testing::TestWithParam<Engine> {
 protected:
  ProviderReads() {
    if (GetParam() == Engine::kSqlite) {
      dir_.emplace();
      name_ = dir_->file("store.sqlite");
    } else {
      database_.emplace();
      name_ = database_->url();
    }
    store_.emplace(Store::open(name_));
    auto& store = *store_;
    demo_ = store.upsert_source("demo", "http://demo.example.org/configured");
    store::IdentifyFacts facts;
    facts.repository_name = "Demo repository";
    facts.declared_base_url = "http://demo.example.org/oai";
    facts.protocol_version = "2.0";
    facts.earliest_datestamp = "2000-01-01T00:00:00Z";
    facts.deleted_record = "persistent";
    facts.granularity = "YYYY-MM-DDThh:mm:ssZ";
    facts.response_date = "2024-06-02T12:00:00Z";
    store.save_identify(demo_, facts);
    store.save_formats(demo_,
                       {{"oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                         "http://www.openarchives.org/OAI/2.0/oai_dc/"},
                        {"marc21", "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
                         "http://www.loc.gov/MARC21/slim"}});
    store.save_sets(demo_, {{"even", "Even items", "<oai_dc:dc>evens</oai_dc:dc>", ""},
                            {"declared", "Declared but empty", "", ""}});
    other_ = store.upsert_source("other", "http://other.example.org/oai");
    demo_dc_ = store.open_list(demo_, "oai_dc").id;
    const auto run = store.begin_run(demo_);
    for (int page = 0; page < 4; ++page) {
      std::vector<HarvestedRecord> records;
      for (int n = page * 30; n < page * 30 + 30; ++n) records.push_back(record(n));
      write(demo_dc_, run, records);
    }
    const auto marc = store.open_list(demo_, "marc21").id;
    std::vector<HarvestedRecord> marc_records;
    for (int n = 1; n <= 3; ++n) {
      auto marc_record = record(n);
      marc_record.metadata = "<marc:record xmlns:marc=\"http://www.loc.gov/MARC21/slim\"/>";
      marc_record.dc.clear();
      marc_records.push_back(marc_record);
    }
    write(marc, run, marc_records);
    store.finish_run(run, store::RunResult::kOk);
    const auto other_list = store.open_list(other_, "oai_dc").id;
    const auto other_run = store.begin_run(other_);
    std::vector<HarvestedRecord> other_records;
    for (int n = 500; n < 505; ++n) other_records.push_back(record(n));
    write(other_list, other_run, other_records);
    store.finish_run(other_run, store::RunResult::kOk);
  }

  void write(std::int64_t list, std::int64_t run, const std::vector<HarvestedRecord>& records) {
    HarvestedPage page;
    page.list_id = list;
    page.run_id = run;
    page.response_date = "2024-06-02T12:00:00Z";
    page.records = records;
    page.next_from = "2024-06-02T12:00:00Z";
    store_->write_page(page);
  }

  // Every record of `query`, read page by page with the keyset position of
  // the previous page's last record.
  std::vector<ServedRecord> all_pages(RecordQuery query, int page_size) {
    query.limit = page_size;
    std::vector<ServedRecord> all;
    for (int pages = 0; pages < 1000; ++pages) {
      const auto page = store_->list_records(query);
      EXPECT_LE(static_cast<int>(page.size()), page_size);
      all.insert(all.end(), page.begin(), page.end());
      if (static_cast<int>(page.size()) < page_size) break;
      query.after_datestamp = page.back().datestamp;
      query.after_id = page.back().id;
    }
    return all;
  }

  static std::vector<std::string> identifiers(const std::vector<ServedRecord>& records) {
    std::vector<std::string> ids;
    for (const auto& record : records) ids.push_back(record.upstream_identifier);
    return ids;
  }

  std::optional<testing_support::TempDir> dir_;
  std::optional<testing_support::PostgresDatabase> database_;
  std::string name_;
  std::optional<Store> store_;
  std::int64_t demo_ = 0, other_ = 0, demo_dc_ = 0;
};

TEST_P(ProviderReads, KeysetPagesReadEveryRecordOnceInOrderAtAnyPageSize) {
  RecordQuery query;
  query.metadata_prefix = "oai_dc";
  const auto whole = all_pages(query, 1000);
  ASSERT_EQ(whole.size(), 125u);
  for (std::size_t i = 1; i < whole.size(); ++i) {
    EXPECT_TRUE(std::make_pair(whole[i - 1].datestamp, whole[i - 1].id) <
                std::make_pair(whole[i].datestamp, whole[i].id))
        << i;
  }
  for (const int size : {1, 7, 30, 124, 125, 126}) {
    EXPECT_EQ(identifiers(all_pages(query, size)), identifiers(whole)) << size;
  }
  EXPECT_EQ(store_->count_records(query), 125);
}

TEST_P(ProviderReads, PagesFilterBySourceSetAndDates_S3) {
  RecordQuery query;
  query.metadata_prefix = "oai_dc";
  query.source = "other";
  EXPECT_EQ(all_pages(query, 2).size(), 5u);
  EXPECT_EQ(store_->count_records(query), 5);
  query.source = "demo";
  query.upstream_set = "even";  // even and even:tens, not evens
  const auto even = all_pages(query, 7);
  EXPECT_EQ(even.size(), 60u);
  EXPECT_EQ(store_->count_records(query), 60);
  query.upstream_set = "even:tens";
  EXPECT_EQ(all_pages(query, 5).size(), 12u);
  query.upstream_set = "evens";
  EXPECT_EQ(all_pages(query, 5).size(), 16u);  // multiples of 7 below 120 but tombstones 49 and 119
  query.upstream_set = "eve";
  EXPECT_TRUE(all_pages(query, 5).empty());
  EXPECT_EQ(store_->count_records(query), 0);

  // from and until are inclusive; every record carries the one datestamp
  // its page was written at, so a bound just after the last one excludes all.
  RecordQuery dated;
  dated.metadata_prefix = "oai_dc";
  const auto all = all_pages(dated, 1000);
  dated.from = all.front().datestamp;
  dated.until = all.back().datestamp;
  EXPECT_EQ(all_pages(dated, 9).size(), all.size());
  EXPECT_EQ(store_->count_records(dated), static_cast<std::int64_t>(all.size()));
  dated.from = "9000-01-01T00:00:00Z";
  dated.until = "9999-12-31T23:59:59Z";
  EXPECT_TRUE(all_pages(dated, 9).empty());
  EXPECT_EQ(store_->count_records(dated), 0);
  dated.from = "0000-01-01T00:00:00Z";
  dated.until = "1999-12-31T23:59:59Z";
  EXPECT_TRUE(all_pages(dated, 9).empty());
}

TEST_P(ProviderReads, PagesCarryHeadersAndMetadataOnlyWhenAskedFor) {
  RecordQuery query;
  query.metadata_prefix = "oai_dc";
  query.source = "demo";
  query.limit = 10;
  const auto page = store_->list_records(query);
  ASSERT_EQ(page.size(), 10u);
  const auto& first = page[0];
  EXPECT_EQ(first.upstream_identifier, item(0));
  EXPECT_EQ(first.source, "demo");
  EXPECT_EQ(first.set_specs, (std::vector<std::string>{"even", "even:tens", "evens"}));
  EXPECT_NE(first.metadata.find("Item number 0"), std::string::npos);
  EXPECT_EQ(first.upstream_base_url, "http://demo.example.org/oai");  // declared, not configured
  EXPECT_EQ(first.metadata_namespace, "http://www.openarchives.org/OAI/2.0/oai_dc/");
  EXPECT_EQ(first.upstream_datestamp, "2024-05-01T10:00:00Z");
  EXPECT_EQ(first.harvest_date, "2024-06-02T12:00:00Z");
  EXPECT_EQ(page[1].about, "<provenance>first</provenance>");
  EXPECT_TRUE(page[9].deleted);
  EXPECT_EQ(page[9].metadata, "");
  query.with_metadata = false;
  for (const auto& record : store_->list_records(query)) EXPECT_EQ(record.metadata, "");

  query.source = "other";
  const auto other = store_->list_records(query);
  ASSERT_FALSE(other.empty());
  EXPECT_EQ(other[0].upstream_base_url, "http://other.example.org/oai");  // configured
  EXPECT_EQ(other[0].metadata_namespace, "");  // other declared no formats
}

TEST_P(ProviderReads, GetRecordAndPrefixesOf) {
  const auto wells = store_->get_record("demo", item(10), "oai_dc");
  ASSERT_TRUE(wells.has_value());
  EXPECT_EQ(wells->upstream_identifier, item(10));
  EXPECT_EQ(wells->set_specs, (std::vector<std::string>{"even", "even:tens"}));
  EXPECT_NE(wells->metadata.find("<dc:title>Item number 10</dc:title>"), std::string::npos);
  EXPECT_FALSE(wells->deleted);
  const auto marc = store_->get_record("demo", item(2), "marc21");
  ASSERT_TRUE(marc.has_value());
  EXPECT_EQ(marc->metadata_namespace, "http://www.loc.gov/MARC21/slim");
  const auto gone = store_->get_record("demo", item(9), "oai_dc");
  ASSERT_TRUE(gone.has_value());
  EXPECT_TRUE(gone->deleted);
  EXPECT_EQ(gone->metadata, "");
  EXPECT_EQ(gone->set_specs, std::vector<std::string>{"odd"});
  EXPECT_FALSE(store_->get_record("demo", item(10), "marc21").has_value());
  EXPECT_FALSE(store_->get_record("other", item(10), "oai_dc").has_value());
  EXPECT_FALSE(store_->get_record("nowhere", item(10), "oai_dc").has_value());

  EXPECT_EQ(store_->prefixes_of("demo", item(2)), (std::vector<std::string>{"marc21", "oai_dc"}));
  EXPECT_EQ(store_->prefixes_of("demo", item(9)), std::vector<std::string>{"oai_dc"});
  EXPECT_TRUE(store_->prefixes_of("other", item(2)).empty());
}

TEST_P(ProviderReads, FormatsSourcesSetsAndSettings) {
  const auto formats = store_->formats();
  ASSERT_EQ(formats.size(), 2u);
  EXPECT_EQ(formats[0].metadata_prefix, "marc21");
  EXPECT_EQ(formats[0].metadata_namespace, "http://www.loc.gov/MARC21/slim");
  EXPECT_EQ(formats[1].metadata_prefix, "oai_dc");
  EXPECT_EQ(formats[1].schema_url, "http://www.openarchives.org/OAI/2.0/oai_dc.xsd");

  const auto sources = store_->sources();
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0].name, "demo");
  EXPECT_EQ(sources[0].upstream_base_url(), "http://demo.example.org/oai");
  EXPECT_EQ(sources[0].repository_name, "Demo repository");
  EXPECT_EQ(sources[1].name, "other");
  EXPECT_EQ(sources[1].upstream_base_url(), "http://other.example.org/oai");
  EXPECT_EQ(sources[1].repository_name, "");

  // Sets declared by ListSets and met in headers, by source then setSpec
  // (bytes: "even" < "even:tens" < "evens"); a name only when declared.
  std::vector<std::string> sets;
  for (const auto& set : store_->sets()) {
    sets.push_back(set.source + "|" + set.set_spec + "|" + set.set_name + "|" + set.descriptions);
  }
  EXPECT_EQ(sets, (std::vector<std::string>{
                      "demo|declared|Declared but empty|",
                      "demo|even|Even items|<oai_dc:dc>evens</oai_dc:dc>",
                      "demo|even:tens|even:tens|",
                      "demo|evens|evens|",
                      "demo|odd|odd|",
                      "other|even|even|",
                      "other|even:tens|even:tens|",
                      "other|evens|evens|",
                      "other|odd|odd|",
                  }));

  EXPECT_EQ(store_->setting("resumption_token_key").size(), 64u);
  EXPECT_EQ(store_->setting("no such key"), "");
}

TEST_P(ProviderReads, EarliestDatestampIsTheLeastOfOurs) {
  RecordQuery query;
  query.metadata_prefix = "marc21";
  const auto marc = all_pages(query, 10);
  query.metadata_prefix = "oai_dc";
  const auto dc = all_pages(query, 1000);
  std::string least = dc.front().datestamp;
  for (const auto& record : marc) least = std::min(least, record.datestamp);
  EXPECT_EQ(store_->earliest_datestamp(), least);

  // An empty store has none.
  std::optional<testing_support::TempDir> dir;
  std::optional<testing_support::PostgresDatabase> database;
  std::string name;
  if (GetParam() == Engine::kSqlite) {
    dir.emplace();
    name = dir->file("empty.sqlite");
  } else {
    database.emplace();
    name = database->url();
  }
  EXPECT_EQ(Store::open(name).earliest_datestamp(), std::nullopt);
}

TEST_P(ProviderReads, ReadSnapshotHoldsOneSnapshotUntilItEnds) {
  RecordQuery query;
  query.metadata_prefix = "oai_dc";
  query.source = "other";
  auto reader = Store::open(name_, store::OpenOptions{true});
  store::ReadSnapshot snapshot(reader);
  EXPECT_EQ(reader.count_records(query), 5);
  // Another connection commits a page meanwhile: a new record and a changed one.
  auto changed = record(500);
  changed.metadata += "<!-- changed -->";
  const auto list = store_->open_list(other_, "oai_dc").id;
  const auto run = store_->begin_run(other_);
  write(list, run, {record(505), changed});
  store_->finish_run(run, store::RunResult::kOk);
  EXPECT_EQ(reader.count_records(query), 5);
  query.limit = 100;
  EXPECT_EQ(reader.list_records(query).size(), 5u);
  const auto before = reader.get_record("other", item(500), "oai_dc");
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->metadata.find("changed"), std::string::npos);
  EXPECT_FALSE(reader.get_record("other", item(505), "oai_dc").has_value());
  snapshot.end();

  EXPECT_EQ(reader.count_records(query), 6);
  EXPECT_EQ(reader.list_records(query).size(), 6u);
  const auto after = reader.get_record("other", item(500), "oai_dc");
  ASSERT_TRUE(after.has_value());
  EXPECT_NE(after->metadata.find("changed"), std::string::npos);
  EXPECT_NE(after->datestamp, "");
}

INSTANTIATE_TEST_SUITE_P(Engines, ProviderReads,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres), engine_name);

}  // namespace
