// Store::write_page: records, tombstones, sets, Dublin Core, FTS, checkpoints
// and watermarks, one transaction a page.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "store/store.h"
#include "tests/store/store_engines.h"

namespace {

using store::Checkpoint;
using store::HarvestedPage;
using store::HarvestedRecord;
using store::Store;
using store::StoreError;
using testing_support::Engine;
using testing_support::engine_name;
using testing_support::EngineStore;
using testing_support::StoreProbe;

HarvestedRecord live_record(const std::string& id, const std::string& title,
                            std::vector<std::string> sets = {}) {
  HarvestedRecord record;
  record.identifier = id;
  record.datestamp = "2024-05-01T10:00:00Z";
  record.set_specs = std::move(sets);
  record.metadata =
      "<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" "
      "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>" +
      title + "</dc:title></oai_dc:dc>";
  record.dc = {{"title", title, "en"}, {"creator", "Doe, Jane", ""}, {"date", "2024", ""}};
  return record;
}

// `text` as an SQL string literal, for the probes.
std::string quoted(const std::string& text) {
  std::string literal = "'";
  for (const char c : text) {
    if (c == '\'') literal += '\'';
    literal += c;
  }
  return literal + "'";
}

HarvestedRecord deleted_record(const std::string& id, std::vector<std::string> sets = {}) {
  HarvestedRecord record;
  record.identifier = id;
  record.datestamp = "2024-06-01T00:00:00Z";
  record.deleted = true;
  record.set_specs = std::move(sets);
  return record;
}

// A store of the test's engine with one source and its oai_dc list, ready
// for pages, and a probe into its database.
class PageWriterTest : public ::testing::TestWithParam<Engine> {
 protected:
  PageWriterTest()
      : place_(GetParam()),
        store_(Store::open(place_.name())),
        source_id_(store_.upsert_source("demo", "http://example.org/oai")),
        list_id_(store_.open_list(source_id_, "oai_dc").id),
        run_id_(store_.begin_run(source_id_)),
        probe_(place_.probe()) {}

  HarvestedPage page(std::vector<HarvestedRecord> records) const {
    HarvestedPage page;
    page.list_id = list_id_;
    page.run_id = run_id_;
    page.response_date = "2024-06-02T12:00:00Z";
    page.bytes = 1000;
    page.records = std::move(records);
    page.continue_at = Checkpoint{std::nullopt, std::nullopt, "2024-06-02T12:00:00Z", "token-1", 1};
    return page;
  }

  StoreProbe& probe() { return *probe_; }
  std::vector<std::string> rows_of(const std::string& sql) { return probe_->rows(sql); }

  EngineStore place_;
  Store store_;
  std::int64_t source_id_;
  std::int64_t list_id_;
  std::int64_t run_id_;
  std::unique_ptr<StoreProbe> probe_;
};

INSTANTIATE_TEST_SUITE_P(store, PageWriterTest, testing_support::kEngines, engine_name);

TEST_P(PageWriterTest, StoresRecordsWithSetsDublinCoreAndFullText) {
  const auto counts = store_.write_page(
      page({live_record("oai:x:1", "Water in Kyrgyzstan", {"publications:year2024"}),
            deleted_record("oai:x:2", {"publications"})}));
  EXPECT_EQ(counts.created, 1);
  EXPECT_EQ(counts.deleted, 1);

  EXPECT_EQ(rows_of("SELECT upstream_identifier, deleted, metadata IS NULL, harvest_date "
                    "FROM records ORDER BY id"),
            (std::vector<std::string>{"oai:x:1|0|0|2024-06-02T12:00:00Z",
                                      "oai:x:2|1|1|2024-06-02T12:00:00Z"}));
  EXPECT_EQ(rows_of("SELECT set_spec FROM record_sets ORDER BY record_id"),
            (std::vector<std::string>{"publications:year2024", "publications"}));
  EXPECT_EQ(rows_of("SELECT dc FROM records ORDER BY id"),
            (std::vector<std::string>{
                R"([["title","Water in Kyrgyzstan","en"],["creator","Doe, Jane",null],)"
                R"(["date","2024",null]])",
                "NULL"}));
  EXPECT_EQ(probe().text_matches("kyrgyzstan"), 1);
  EXPECT_EQ(probe().text_matches("kyrgyzstan", "title"), 1);
  EXPECT_EQ(probe().text_matches("doe", "creator"), 1);
  EXPECT_EQ(probe().text_matches("doe", "title"), 0);
  EXPECT_EQ(probe().text_matches("2024", "other"), 1);
}

// SQLite's dc_elements view (docs/store.md) reads records.dc as rows.
class SqlitePageWriterTest : public PageWriterTest {};
INSTANTIATE_TEST_SUITE_P(store, SqlitePageWriterTest, ::testing::Values(Engine::kSqlite),
                         engine_name);

TEST_P(SqlitePageWriterTest, DcElementsViewGivesTheElementsInOrder) {
  store_.write_page(page({live_record("oai:x:1", "Water in Kyrgyzstan")}));
  EXPECT_EQ(rows_of("SELECT position, element, value, lang FROM dc_elements ORDER BY position"),
            (std::vector<std::string>{"0|title|Water in Kyrgyzstan|en", "1|creator|Doe, Jane|NULL",
                                      "2|date|2024|NULL"}));
}

TEST_P(PageWriterTest, IdenticalContentKeepsOurDatestamp_G5) {
  store_.write_page(page({live_record("oai:x:1", "First")}));
  StoreProbe& probe = this->probe();
  probe.exec("UPDATE records SET datestamp = '2000-01-01T00:00:00Z'");

  const auto same = store_.write_page(page({live_record("oai:x:1", "First")}));
  EXPECT_EQ(same.unchanged, 1);
  EXPECT_EQ(probe.value("SELECT datestamp FROM records"), "2000-01-01T00:00:00Z");

  const auto changed = store_.write_page(page({live_record("oai:x:1", "Second")}));
  EXPECT_EQ(changed.updated, 1);
  EXPECT_GT(probe.value("SELECT datestamp FROM records"), "2020-01-01T00:00:00Z");
  EXPECT_EQ(probe.text_matches("first"), 0);
  EXPECT_EQ(probe.text_matches("second"), 1);
}

// dc_fts keeps no text: a changed record's old terms leave the index only if
// dc_fts_text gives back exactly the columns the writer indexed. Repeated,
// empty and non-ASCII values, every column, and "other" elements in between.
TEST_P(PageWriterTest, AChangeTakesEveryOldTermOutOfTheIndex) {
  auto record = live_record("oai:x:1", "Alpha");
  record.dc = {{"title", "Alpha beta", "en"},
               {"date", "1999", ""},
               {"title", "", ""},
               {"creator", "Gamma, Delta", ""},
               {"subject", "Épsilon", ""},
               {"publisher", "Zeta press", ""},
               {"description", "Eta theta", ""},
               {"title", "Iota Кыргызстан", ""},
               {"rights", "Kappa", ""},
               {"creator", "Lambda", ""}};
  store_.write_page(page({record}));
  EXPECT_EQ(probe().terms().size(), 14u);

  store_.write_page(page({live_record("oai:x:1", "Omega")}));
  EXPECT_EQ(probe().terms(), (std::vector<std::string>{"2024", "doe", "jane", "omega"}));
  store_.write_page(page({deleted_record("oai:x:1")}));
  EXPECT_EQ(probe().terms(), std::vector<std::string>{});
}

// Words are what SQLite's unicode61 tokenizer makes of a text on both
// engines: split at every character that is not a letter or digit (where
// PostgreSQL's own parser keeps URLs, e-mail addresses, hyphenated words,
// paths and decimals whole), lower-cased, without diacritics.
TEST_P(PageWriterTest, BothEnginesIndexTheSameWords) {
  auto record = live_record("oai:x:1", "Kyrgyz-Russian relations, 168-194");
  record.dc = {{"title", "Kyrgyz-Russian relations, 168-194", "en"},
               {"identifier", "http://example.org/a_b/c.pdf", ""},
               {"description", "Pi is 3.14; write to Ünïcode@mail.org (or not)", ""}};
  store_.write_page(page({record}));
  EXPECT_EQ(probe().terms(),
            (std::vector<std::string>{
                "14",   "168",       "194",     "3",    "a",       "b",    "c",   "example",
                "http", "is",        "kyrgyz",  "mail", "not",     "or",   "org", "pdf",
                "pi",   "relations", "russian", "to",   "unicode", "write"}));
}

// The page's last occurrence wins: here it equals what the store holds, so
// the record is unchanged, and so is its entry in the index.
TEST_P(PageWriterTest, IdentifierTwiceEndingUnchangedKeepsItsText) {
  store_.write_page(page({live_record("oai:x:1", "Kept")}));
  const auto counts =
      store_.write_page(page({live_record("oai:x:1", "Passing"), live_record("oai:x:1", "Kept")}));
  EXPECT_EQ(counts.unchanged, 1);
  EXPECT_EQ(probe().text_matches("kept"), 1);
  EXPECT_EQ(probe().text_matches("passing"), 0);
}

TEST_P(PageWriterTest, ChangedSetMembershipIsAChange_G5) {
  store_.write_page(page({live_record("oai:x:1", "T", {"a"})}));
  const auto counts = store_.write_page(page({live_record("oai:x:1", "T", {"a", "b"})}));
  EXPECT_EQ(counts.updated, 1);
  EXPECT_EQ(rows_of("SELECT set_spec FROM record_sets ORDER BY set_spec"),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(store_.write_page(page({live_record("oai:x:1", "T", {"b"})})).updated, 1);
  EXPECT_EQ(rows_of("SELECT set_spec FROM record_sets"), (std::vector<std::string>{"b"}));
}

TEST_P(PageWriterTest, DeletionLeavesTombstoneWithSets_HV11_S7) {
  store_.write_page(page({live_record("oai:x:1", "Gone soon", {"a:b"})}));
  const auto counts = store_.write_page(page({deleted_record("oai:x:1", {"a:b"})}));
  EXPECT_EQ(counts.deleted, 1);

  EXPECT_EQ(
      rows_of("SELECT deleted, metadata IS NULL, dc IS NULL, upstream_datestamp FROM records"),
      (std::vector<std::string>{"1|1|1|2024-06-01T00:00:00Z"}));
  EXPECT_EQ(probe().terms(), std::vector<std::string>{});
  EXPECT_EQ(probe().value("SELECT set_spec FROM record_sets"), "a:b");
  EXPECT_EQ(store_.stats().deleted, 1);
}

TEST_P(PageWriterTest, KeysRecordsBySourceIdentifierAndPrefix_HV13) {
  const auto other_source = store_.upsert_source("other", "http://example.net/oai");
  const auto other_list = store_.open_list(other_source, "oai_dc").id;
  const auto marc_list = store_.open_list(source_id_, "marc21").id;
  store_.write_page(page({live_record("oai:x:1", "Here")}));
  auto elsewhere = page({live_record("oai:x:1", "There")});
  elsewhere.list_id = other_list;
  store_.write_page(elsewhere);
  auto marc = page({live_record("oai:x:1", "Marc")});
  marc.list_id = marc_list;
  store_.write_page(marc);
  EXPECT_EQ(store_.stats().records, 3);
}

TEST_P(PageWriterTest, IdentifierTwiceInOnePageKeepsTheLast) {
  const auto counts =
      store_.write_page(page({live_record("oai:x:1", "Early"), live_record("oai:x:1", "Late")}));
  EXPECT_EQ(counts.created, 1);
  const auto dc = probe().value("SELECT dc FROM records");
  EXPECT_NE(dc.find("Late"), std::string::npos) << dc;
  EXPECT_EQ(dc.find("Early"), std::string::npos) << dc;
  EXPECT_EQ(probe().text_matches("late"), 1);
  EXPECT_EQ(probe().text_matches("early"), 0);
}

TEST_P(PageWriterTest, SavesCheckpointWithPage) {
  store_.write_page(page({live_record("oai:x:1", "One")}));
  const auto list = store_.open_list(source_id_, "oai_dc");
  ASSERT_TRUE(list.checkpoint.has_value());
  EXPECT_EQ(list.checkpoint->resumption_token, "token-1");
  EXPECT_EQ(list.checkpoint->page_number, 1);
  EXPECT_EQ(list.checkpoint->first_response_date, "2024-06-02T12:00:00Z");
  EXPECT_FALSE(list.next_from.has_value());
}

TEST_P(PageWriterTest, LastPageMovesWatermarkAndDropsCheckpoint_HV3) {
  store_.write_page(page({live_record("oai:x:1", "One")}));
  auto last = page({live_record("oai:x:2", "Two")});
  last.continue_at.reset();
  last.next_from = "2024-06-02T12:00:00Z";
  store_.write_page(last);
  const auto list = store_.open_list(source_id_, "oai_dc");
  EXPECT_FALSE(list.checkpoint.has_value());
  EXPECT_EQ(list.next_from, "2024-06-02T12:00:00Z");
}

TEST_P(PageWriterTest, WatermarkNeverMovesBackwards_HV3) {
  auto last = page({});
  last.continue_at.reset();
  last.next_from = "2024-06-02T12:00:00Z";
  store_.write_page(last);
  last.next_from = "2024-01-01T00:00:00Z";
  store_.write_page(last);
  EXPECT_EQ(store_.open_list(source_id_, "oai_dc").next_from, "2024-06-02T12:00:00Z");
}

TEST_P(PageWriterTest, DroppedCheckpointKeepsWatermark_HV5) {
  auto last = page({});
  last.continue_at.reset();
  last.next_from = "2024-06-01";
  store_.write_page(last);
  store_.write_page(page({live_record("oai:x:1", "One")}));
  store_.drop_checkpoint(list_id_);
  const auto list = store_.open_list(source_id_, "oai_dc");
  EXPECT_FALSE(list.checkpoint.has_value());
  EXPECT_EQ(list.next_from, "2024-06-01");
}

TEST_P(PageWriterTest, CountsAccumulateInTheRun) {
  store_.write_page(page({live_record("oai:x:1", "One"), live_record("oai:x:2", "Two")}));
  store_.write_page(page({live_record("oai:x:1", "One"), deleted_record("oai:x:2")}));
  store_.finish_run(run_id_, store::RunResult::kOk, "", 3);
  EXPECT_EQ(probe().value(
                "SELECT records_new || ' ' || records_updated || ' ' || records_deleted || ' ' || "
                "records_unchanged || ' ' || pages || ' ' || bytes || ' ' || retries || ' ' || "
                "result FROM harvest_runs"),
            "2 0 1 1 2 2000 3 ok");
}

TEST_P(PageWriterTest, SweepTombstonesRecordsNotSeen_HV11) {
  auto first = page({live_record("oai:x:1", "One"), live_record("oai:x:2", "Two", {"a"}),
                     live_record("oai:x:3", "Three")});
  first.continue_at.reset();
  store_.write_page(first);

  store_.start_sweep(list_id_);
  store_.write_page(page({live_record("oai:x:1", "One")}));  // continues
  auto last = page({live_record("oai:x:3", "Three")});
  last.continue_at.reset();
  const auto counts = store_.write_page(last);
  EXPECT_EQ(counts.deleted, 1);
  EXPECT_EQ(
      rows_of("SELECT upstream_identifier, deleted, metadata IS NULL FROM records ORDER BY id"),
      (std::vector<std::string>{"oai:x:1|0|0", "oai:x:2|1|1", "oai:x:3|0|0"}));
  EXPECT_EQ(rows_of("SELECT count(*) FROM sweeps"), (std::vector<std::string>{"0"}));
  EXPECT_EQ(probe().text_matches("two"), 0);
  EXPECT_EQ(probe().text_matches("three"), 1);
}

TEST_P(PageWriterTest, SweepKeepsSetsOfTombstones_S7) {
  auto first = page({live_record("oai:x:1", "One", {"a:b"}), live_record("oai:x:2", "Two")});
  first.continue_at.reset();
  store_.write_page(first);
  store_.start_sweep(list_id_);
  auto last = page({live_record("oai:x:2", "Two")});
  last.continue_at.reset();
  store_.write_page(last);
  EXPECT_EQ(rows_of("SELECT r.upstream_identifier, r.deleted, s.set_spec FROM records r "
                    "JOIN record_sets s ON s.record_id = r.id"),
            (std::vector<std::string>{"oai:x:1|1|a:b"}));
}

TEST_P(PageWriterTest, NoSweepNoTombstones) {
  auto first = page({live_record("oai:x:1", "One"), live_record("oai:x:2", "Two")});
  first.continue_at.reset();
  store_.write_page(first);
  auto last = page({live_record("oai:x:2", "Two")});
  last.continue_at.reset();
  store_.write_page(last);
  EXPECT_EQ(store_.stats().deleted, 0);
}

// A failure anywhere in a page leaves the store exactly as before.
class AtomicPageTest : public PageWriterTest {
 protected:
  void expect_failure_changes_nothing(const HarvestedPage& bad) {
    store_.write_page(page({live_record("oai:x:1", "Before", {"a"})}));
    const auto before = probe().dump();
    EXPECT_THROW(store_.write_page(bad), StoreError);
    // Compared as a boolean: the dumps are too long to print usefully.
    EXPECT_TRUE(probe().dump() == before);
  }
};
INSTANTIATE_TEST_SUITE_P(store, AtomicPageTest, testing_support::kEngines, engine_name);

TEST_P(AtomicPageTest, FailureInFirstRecord) {
  auto bad = live_record("oai:x:2", "Bad");
  bad.dc.push_back({"dcterms:abstract", "not a DC element", ""});
  expect_failure_changes_nothing(page({bad, live_record("oai:x:3", "Fine")}));
}

TEST_P(AtomicPageTest, FailureInLastRecordAfterUpdates) {
  auto bad = live_record("oai:x:9", "Bad");
  bad.dc.push_back({"notdc", "x", ""});
  expect_failure_changes_nothing(
      page({live_record("oai:x:1", "Changed", {"b"}), deleted_record("oai:x:2"), bad}));
}

TEST_P(AtomicPageTest, FailureAtTheEndInRunCounters) {
  auto bad = page({live_record("oai:x:1", "Changed"), live_record("oai:x:2", "New")});
  bad.run_id = 12345;
  expect_failure_changes_nothing(bad);
}

TEST_P(AtomicPageTest, FailureOnUnknownList) {
  auto bad = page({live_record("oai:x:2", "New")});
  bad.list_id = 999;
  expect_failure_changes_nothing(bad);
}

// Readers in other connections see whole pages only and are never blocked.
TEST_P(PageWriterTest, ConcurrentReaderSeesWholePagesOnly) {
  constexpr int kPages = 100;
  constexpr int kPerPage = 50;
  std::atomic<bool> writing{true};
  std::atomic<int> reads{0};
  std::string reader_error;
  std::thread reader([&] {
    try {
      auto reading = Store::open(place_.name(), {.read_only = true});
      while (writing.load()) {
        const auto records = reading.stats().records;
        if (records % kPerPage != 0) {
          reader_error = "saw half a page: " + std::to_string(records);
          return;
        }
        ++reads;
      }
    } catch (const std::exception& error) {
      reader_error = error.what();
    }
  });
  for (int p = 0; p < kPages; ++p) {
    std::vector<HarvestedRecord> records;
    for (int r = 0; r < kPerPage; ++r) {
      const auto n = std::to_string(p * kPerPage + r);
      records.push_back(live_record("oai:x:" + n, "Title " + n));
    }
    store_.write_page(page(std::move(records)));
  }
  writing = false;
  reader.join();
  EXPECT_EQ(reader_error, "");
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(store_.stats().records, kPages * kPerPage);
}

// Text that an array literal or a query would have to quote: it reads back
// byte for byte, and a second harvest of it changes nothing.
TEST_P(PageWriterTest, KeepsAwkwardTextExactly) {
  const std::vector<std::string> awkward = {"quote \" inside",
                                            "back\\slash \\\\ two",
                                            "comma, {brace} }{",
                                            "new\nline\ttab",
                                            "NULL",
                                            "Кыргызстан ünïcödé 日本",
                                            "'single' ''quotes''",
                                            " leading and trailing ",
                                            "$1 ::text[]"};
  std::vector<HarvestedRecord> records;
  for (std::size_t i = 0; i < awkward.size(); ++i) {
    auto record = live_record("oai:x:" + awkward[i], awkward[i], {awkward[i], "plain"});
    record.about = "<about>" + awkward[i] + "</about>";
    record.datestamp = awkward[i];
    record.dc.push_back({"subject", awkward[i], awkward[i]});
    records.push_back(std::move(record));
  }
  records.push_back(deleted_record("oai:x:deleted \" \\ {,}", {"set \" \\ {,}"}));
  auto written = page(records);
  const auto counts = store_.write_page(written);
  EXPECT_EQ(counts.created, static_cast<std::int64_t>(awkward.size()));
  EXPECT_EQ(counts.deleted, 1);

  // Compared sorted: the engines need not number the records alike.
  auto sorted = [](std::vector<std::string> rows) {
    std::sort(rows.begin(), rows.end());
    return rows;
  };
  std::vector<std::string> expected_records = {
      "oai:x:deleted \" \\ {,}|2024-06-01T00:00:00Z|NULL|1"};
  std::vector<std::string> expected_sets = {"oai:x:deleted \" \\ {,}|set \" \\ {,}"};
  for (const auto& record : records) {
    if (record.deleted) continue;
    expected_records.push_back(record.identifier + "|" + record.datestamp + "|" + record.about +
                               "|0");
    for (const auto& set : record.set_specs) expected_sets.push_back(record.identifier + "|" + set);
  }
  EXPECT_EQ(sorted(rows_of("SELECT upstream_identifier, upstream_datestamp, about, deleted "
                           "FROM records")),
            sorted(expected_records));
  EXPECT_EQ(sorted(rows_of("SELECT r.upstream_identifier, s.set_spec FROM records r "
                           "JOIN record_sets s ON s.record_id = r.id")),
            sorted(expected_sets));
  for (const auto& record : records) {
    if (record.deleted) continue;
    EXPECT_EQ(
        probe().value("SELECT count(*) FROM records WHERE metadata = " + quoted(record.metadata) +
                      " AND upstream_identifier = " + quoted(record.identifier)),
        "1")
        << record.identifier;
  }

  const auto again = store_.write_page(written);
  EXPECT_EQ(again.unchanged, static_cast<std::int64_t>(awkward.size()) + 1);
}

// Every Dublin Core element lands in its own full-text column; records of
// other formats are not indexed, though their Dublin Core is kept.
TEST_P(PageWriterTest, IndexesEachElementInItsColumnForOaiDcOnly) {
  auto record = live_record("oai:x:1", "Alpha");
  record.dc = {{"title", "Alpha", ""},       {"creator", "Bravo", ""},  {"subject", "Charlie", ""},
               {"description", "Delta", ""}, {"publisher", "Echo", ""}, {"rights", "Foxtrot", ""}};
  store_.write_page(page({record}));
  const std::vector<std::pair<std::string, std::string>> placed = {
      {"alpha", "title"},       {"bravo", "creator"}, {"charlie", "subject"},
      {"delta", "description"}, {"echo", "other"},    {"foxtrot", "other"}};
  for (const auto& [word, column] : placed) {
    for (const char* other : {"title", "creator", "subject", "description", "other"}) {
      EXPECT_EQ(probe().text_matches(word, other), other == column ? 1 : 0)
          << word << " in " << other;
    }
  }

  auto marc = page({live_record("oai:x:2", "Golf")});
  marc.list_id = store_.open_list(source_id_, "marc21").id;
  store_.write_page(marc);
  EXPECT_EQ(probe().text_matches("golf"), 0);
  EXPECT_EQ(probe().value("SELECT count(*) FROM records WHERE dc IS NOT NULL"), "2");
}

// write_pages: every page as write_page() would, later pages seeing earlier
// ones, and nothing at all when one fails.
TEST_P(PageWriterTest, WritePagesIsAllOrNothing) {
  const auto first = page({live_record("oai:x:1", "One")});
  const auto second = page({live_record("oai:x:1", "One again"), live_record("oai:x:2", "Two")});
  auto bad = page({live_record("oai:x:3", "Three")});
  bad.records[0].dc.push_back({"notdc", "x", ""});
  const auto before = probe().dump();
  EXPECT_THROW(store_.write_pages({&first, &second, &bad}), StoreError);
  EXPECT_TRUE(probe().dump() == before);

  const auto counts = store_.write_pages({&first, &second});
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[0].created, 1);
  EXPECT_EQ(counts[1].updated, 1);
  EXPECT_EQ(counts[1].created, 1);
  EXPECT_EQ(probe().value("SELECT pages || ' ' || records_new || ' ' || records_updated "
                          "FROM harvest_runs"),
            "2 2 1");
}

// prepare_page() may run on another thread: its results are used as they
// are, and give what the writer computes itself.
TEST_P(PageWriterTest, PreparedPageIsWrittenTheSame) {
  store_.write_page(page({live_record("oai:x:1", "One", {"a"}), deleted_record("oai:x:2")}));
  auto prepared = page({live_record("oai:x:1", "One", {"a"}), deleted_record("oai:x:2")});
  store::prepare_page(prepared);
  EXPECT_EQ(store_.write_page(prepared).unchanged, 2);
  auto changed = page({live_record("oai:x:1", "Uno", {"a"})});
  store::prepare_page(changed);
  EXPECT_EQ(store_.write_page(changed).updated, 1);
  EXPECT_EQ(probe().text_matches("uno"), 1);
}

// A page the size of a big harvest's, with sets: counted and stored whole.
TEST_P(PageWriterTest, WritesAThousandRecordPage) {
  std::vector<HarvestedRecord> records;
  for (int i = 0; i < 1000; ++i) {
    const auto n = std::to_string(i);
    records.push_back(i % 10 == 9 ? deleted_record("oai:x:" + n, {"gone"})
                                  : live_record("oai:x:" + n, "Title " + n, {"s" + n, "all"}));
  }
  const auto counts = store_.write_page(page(records));
  EXPECT_EQ(counts.created, 900);
  EXPECT_EQ(counts.deleted, 100);
  EXPECT_EQ(probe().value("SELECT count(*) FROM record_sets"), "1900");
  records[5] = live_record("oai:x:5", "Changed", {"s5", "all"});
  const auto again = store_.write_page(page(records));
  EXPECT_EQ(again.unchanged, 999);
  EXPECT_EQ(again.updated, 1);
  EXPECT_EQ(probe().value("SELECT count(*) FROM record_sets"), "1900");
}

// The sources, formats, sets and runs a harvest keeps beside its records.
TEST_P(PageWriterTest, KeepsSourcesFormatsSetsAndRuns) {
  EXPECT_EQ(store_.upsert_source("demo", "http://example.org/moved"), source_id_);
  store::IdentifyFacts facts;
  facts.repository_name = "Demo";
  facts.declared_base_url = "http://example.org/oai";
  facts.protocol_version = "2.0";
  facts.admin_emails = {"a@example.org", "b@example.org"};
  facts.earliest_datestamp = "2000-01-01";
  facts.deleted_record = "persistent";
  facts.granularity = "YYYY-MM-DDThh:mm:ssZ";
  facts.compression = {"gzip", "deflate"};
  facts.response_date = "2024-06-02T12:00:00Z";
  store_.save_identify(source_id_, facts);
  const auto source = store_.find_source("demo");
  ASSERT_TRUE(source.has_value());
  EXPECT_EQ(source->base_url, "http://example.org/moved");
  EXPECT_EQ(source->granularity, "YYYY-MM-DDThh:mm:ssZ");
  EXPECT_EQ(source->deleted_record, "persistent");
  EXPECT_FALSE(store_.find_source("nobody").has_value());
  EXPECT_EQ(probe().value("SELECT admin_emails || '|' || compression FROM sources"),
            "a@example.org b@example.org|gzip deflate");

  store_.save_formats(source_id_, {{"oai_dc", "old.xsd", "old"}, {"marc21", "m.xsd", "m"}});
  store_.save_formats(source_id_, {{"oai_dc", "a.xsd", "a"}, {"oai_dc", "b.xsd", "b"}});
  EXPECT_EQ(rows_of("SELECT metadata_prefix, schema_url, metadata_namespace FROM source_formats"),
            (std::vector<std::string>{"oai_dc|b.xsd|b"}));
  store_.save_sets(source_id_, {{"a", "A", "<d/>", ""}, {"b", "B", "", ""}, {"a", "A2", "", ""}});
  EXPECT_EQ(rows_of("SELECT set_spec, set_name, descriptions FROM sets ORDER BY set_spec"),
            (std::vector<std::string>{"a|A2|NULL", "b|B|NULL"}));

  const auto by_set = store_.open_list(source_id_, "oai_dc", "a");
  EXPECT_NE(by_set.id, list_id_);
  EXPECT_EQ(store_.open_list(source_id_, "oai_dc", "a").id, by_set.id);
  EXPECT_EQ(by_set.set_spec, "a");

  store_.finish_run(run_id_, store::RunResult::kFailed, "the upstream fell over", 2);
  const auto other_run = store_.begin_run(source_id_);
  store_.finish_run(other_run, store::RunResult::kInterrupted);
  EXPECT_EQ(
      rows_of("SELECT result, error, retries, ended_at IS NOT NULL FROM harvest_runs "
              "ORDER BY id"),
      (std::vector<std::string>{"failed|the upstream fell over|2|1", "interrupted|NULL|0|1"}));
}

// What could not be stored is kept as it came, whatever its bytes.
TEST_P(PageWriterTest, QuarantineKeepsRawBytes) {
  const std::string raw = std::string("<OAI-PMH>\xff\xfe") + '\0' + " not UTF-8</OAI-PMH>";
  std::string raw_hex;
  for (const char c : raw) {
    static constexpr char kHex[] = "0123456789abcdef";
    raw_hex += kHex[static_cast<unsigned char>(c) >> 4];
    raw_hex += kHex[static_cast<unsigned char>(c) & 0xf];
  }
  store_.quarantine(source_id_, run_id_, "http://example.org/oai?verb=ListRecords", "bad bytes", 9,
                    raw);
  store_.quarantine(std::nullopt, std::nullopt, "http://x/", "no source", std::nullopt, "");
  const std::string hex = GetParam() == Engine::kSqlite ? "lower(hex(raw))" : "encode(raw, 'hex')";
  EXPECT_EQ(rows_of("SELECT source_id IS NULL, run_id IS NULL, request_url, error, byte_offset, " +
                    hex + " FROM quarantine ORDER BY id"),
            (std::vector<std::string>{
                "0|0|http://example.org/oai?verb=ListRecords|bad bytes|9|" + raw_hex,
                "1|1|http://x/|no source|NULL|"}));
}

}  // namespace
