// Store::write_page: records, tombstones, sets, Dublin Core, FTS, checkpoints
// and watermarks, one transaction a page.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/store.h"
#include "tests/support/sqlite_probe.h"
#include "tests/support/temp_dir.h"

namespace {

using store::Checkpoint;
using store::HarvestedPage;
using store::HarvestedRecord;
using store::Store;
using store::StoreError;
using testing_support::SqliteProbe;
using testing_support::TempDir;

HarvestedRecord live_record(const std::string& id, const std::string& title,
                            std::vector<std::string> sets = {}) {
  HarvestedRecord record;
  record.identifier = id;
  record.datestamp = "2024-05-01T10:00:00Z";
  record.set_specs = std::move(sets);
  record.metadata = "<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" "
                    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>" +
                    title + "</dc:title></oai_dc:dc>";
  record.dc = {{"title", title, "en"}, {"creator", "Doe, Jane", ""}, {"date", "2024", ""}};
  return record;
}

HarvestedRecord deleted_record(const std::string& id, std::vector<std::string> sets = {}) {
  HarvestedRecord record;
  record.identifier = id;
  record.datestamp = "2024-06-01T00:00:00Z";
  record.deleted = true;
  record.set_specs = std::move(sets);
  return record;
}

// A store with one source and its oai_dc list, ready for pages.
class PageWriterTest : public ::testing::Test {
 protected:
  PageWriterTest()
      : path_(dir_.file("store.sqlite")),
        store_(Store::open(path_)),
        source_id_(store_.upsert_source("demo", "http://example.org/oai")),
        list_id_(store_.open_list(source_id_, "oai_dc").id),
        run_id_(store_.begin_run(source_id_)) {}

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

  std::vector<std::string> rows_of(const std::string& sql) { return SqliteProbe(path_).rows(sql); }

  TempDir dir_;
  std::string path_;
  Store store_;
  std::int64_t source_id_;
  std::int64_t list_id_;
  std::int64_t run_id_;
};

TEST_F(PageWriterTest, StoresRecordsWithSetsDublinCoreAndFullText) {
  const auto counts = store_.write_page(
      page({live_record("oai:x:1", "Water in Kyrgyzstan", {"publications:year2024"}),
            deleted_record("oai:x:2", {"publications"})}));
  EXPECT_EQ(counts.created, 1);
  EXPECT_EQ(counts.deleted, 1);

  SqliteProbe probe(path_);
  EXPECT_EQ(probe.rows("SELECT upstream_identifier, deleted, metadata IS NULL, harvest_date "
                       "FROM records ORDER BY id"),
            (std::vector<std::string>{"oai:x:1|0|0|2024-06-02T12:00:00Z",
                                      "oai:x:2|1|1|2024-06-02T12:00:00Z"}));
  EXPECT_EQ(probe.rows("SELECT set_spec FROM record_sets ORDER BY record_id"),
            (std::vector<std::string>{"publications:year2024", "publications"}));
  EXPECT_EQ(probe.rows("SELECT position, element, value, lang FROM dc_elements ORDER BY position"),
            (std::vector<std::string>{"0|title|Water in Kyrgyzstan|en", "1|creator|Doe, Jane|NULL",
                                      "2|date|2024|NULL"}));
  EXPECT_EQ(probe.value("SELECT r.upstream_identifier FROM dc_fts JOIN records r ON r.id = "
                        "dc_fts.rowid WHERE dc_fts MATCH 'kyrgyzstan'"),
            "oai:x:1");
  EXPECT_EQ(probe.value("SELECT count(*) FROM dc_fts WHERE dc_fts MATCH 'creator:doe'"), "1");
}

TEST_F(PageWriterTest, IdenticalContentKeepsOurDatestamp_G5) {
  store_.write_page(page({live_record("oai:x:1", "First")}));
  SqliteProbe probe(path_);
  probe.exec("UPDATE records SET datestamp = '2000-01-01T00:00:00Z'");

  const auto same = store_.write_page(page({live_record("oai:x:1", "First")}));
  EXPECT_EQ(same.unchanged, 1);
  EXPECT_EQ(probe.value("SELECT datestamp FROM records"), "2000-01-01T00:00:00Z");

  const auto changed = store_.write_page(page({live_record("oai:x:1", "Second")}));
  EXPECT_EQ(changed.updated, 1);
  EXPECT_GT(probe.value("SELECT datestamp FROM records"), "2020-01-01T00:00:00Z");
  EXPECT_EQ(probe.value("SELECT count(*) FROM dc_fts WHERE dc_fts MATCH 'first'"), "0");
  EXPECT_EQ(probe.value("SELECT count(*) FROM dc_fts WHERE dc_fts MATCH 'second'"), "1");
}

// dc_fts keeps no text: a changed record's old terms leave the index only if
// dc_fts_text gives back exactly the columns the writer indexed. Repeated,
// empty and non-ASCII values, every column, and "other" elements in between.
TEST_F(PageWriterTest, AChangeTakesEveryOldTermOutOfTheIndex) {
  auto record = live_record("oai:x:1", "Alpha");
  record.dc = {{"title", "Alpha beta", "en"},   {"date", "1999", ""},
               {"title", "", ""},               {"creator", "Gamma, Delta", ""},
               {"subject", "Épsilon", ""},      {"publisher", "Zeta press", ""},
               {"description", "Eta theta", ""}, {"title", "Iota Кыргызстан", ""},
               {"rights", "Kappa", ""},         {"creator", "Lambda", ""}};
  store_.write_page(page({record}));
  SqliteProbe probe(path_);
  probe.exec("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, dc_fts, 'row')");
  EXPECT_EQ(probe.value("SELECT count(*) FROM temp.terms"), "14");

  store_.write_page(page({live_record("oai:x:1", "Omega")}));
  EXPECT_EQ(probe.rows("SELECT term FROM temp.terms ORDER BY term"),
            (std::vector<std::string>{"2024", "doe", "jane", "omega"}));
  store_.write_page(page({deleted_record("oai:x:1")}));
  EXPECT_EQ(probe.value("SELECT count(*) FROM temp.terms"), "0");
}

// The page's last occurrence wins: here it equals what the store holds, so
// the record is unchanged, and so is its entry in the index.
TEST_F(PageWriterTest, IdentifierTwiceEndingUnchangedKeepsItsText) {
  store_.write_page(page({live_record("oai:x:1", "Kept")}));
  const auto counts = store_.write_page(
      page({live_record("oai:x:1", "Passing"), live_record("oai:x:1", "Kept")}));
  EXPECT_EQ(counts.unchanged, 1);
  SqliteProbe probe(path_);
  EXPECT_EQ(probe.value("SELECT count(*) FROM dc_fts WHERE dc_fts MATCH 'kept'"), "1");
  EXPECT_EQ(probe.value("SELECT count(*) FROM dc_fts WHERE dc_fts MATCH 'passing'"), "0");
}

TEST_F(PageWriterTest, ChangedSetMembershipIsAChange_G5) {
  store_.write_page(page({live_record("oai:x:1", "T", {"a"})}));
  const auto counts = store_.write_page(page({live_record("oai:x:1", "T", {"a", "b"})}));
  EXPECT_EQ(counts.updated, 1);
  EXPECT_EQ(SqliteProbe(path_).rows("SELECT set_spec FROM record_sets ORDER BY set_spec"),
            (std::vector<std::string>{"a", "b"}));
}

TEST_F(PageWriterTest, DeletionLeavesTombstoneWithSets_HV11_S7) {
  store_.write_page(page({live_record("oai:x:1", "Gone soon", {"a:b"})}));
  const auto counts = store_.write_page(page({deleted_record("oai:x:1", {"a:b"})}));
  EXPECT_EQ(counts.deleted, 1);

  SqliteProbe probe(path_);
  EXPECT_EQ(probe.rows("SELECT deleted, metadata IS NULL, upstream_datestamp FROM records"),
            (std::vector<std::string>{"1|1|2024-06-01T00:00:00Z"}));
  EXPECT_EQ(probe.value("SELECT count(*) FROM dc_elements"), "0");
  EXPECT_EQ(probe.value("SELECT count(*) FROM dc_fts"), "0");
  EXPECT_EQ(probe.value("SELECT set_spec FROM record_sets"), "a:b");
  EXPECT_EQ(store_.stats().deleted, 1);
}

TEST_F(PageWriterTest, KeysRecordsBySourceIdentifierAndPrefix_HV13) {
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

TEST_F(PageWriterTest, IdentifierTwiceInOnePageKeepsTheLast) {
  const auto counts =
      store_.write_page(page({live_record("oai:x:1", "Early"), live_record("oai:x:1", "Late")}));
  EXPECT_EQ(counts.created, 1);
  SqliteProbe probe(path_);
  EXPECT_EQ(probe.value("SELECT value FROM dc_elements WHERE element = 'title'"), "Late");
}

TEST_F(PageWriterTest, SavesCheckpointWithPage) {
  store_.write_page(page({live_record("oai:x:1", "One")}));
  const auto list = store_.open_list(source_id_, "oai_dc");
  ASSERT_TRUE(list.checkpoint.has_value());
  EXPECT_EQ(list.checkpoint->resumption_token, "token-1");
  EXPECT_EQ(list.checkpoint->page_number, 1);
  EXPECT_EQ(list.checkpoint->first_response_date, "2024-06-02T12:00:00Z");
  EXPECT_FALSE(list.next_from.has_value());
}

TEST_F(PageWriterTest, LastPageMovesWatermarkAndDropsCheckpoint_HV3) {
  store_.write_page(page({live_record("oai:x:1", "One")}));
  auto last = page({live_record("oai:x:2", "Two")});
  last.continue_at.reset();
  last.next_from = "2024-06-02T12:00:00Z";
  store_.write_page(last);
  const auto list = store_.open_list(source_id_, "oai_dc");
  EXPECT_FALSE(list.checkpoint.has_value());
  EXPECT_EQ(list.next_from, "2024-06-02T12:00:00Z");
}

TEST_F(PageWriterTest, WatermarkNeverMovesBackwards_HV3) {
  auto last = page({});
  last.continue_at.reset();
  last.next_from = "2024-06-02T12:00:00Z";
  store_.write_page(last);
  last.next_from = "2024-01-01T00:00:00Z";
  store_.write_page(last);
  EXPECT_EQ(store_.open_list(source_id_, "oai_dc").next_from, "2024-06-02T12:00:00Z");
}

TEST_F(PageWriterTest, DroppedCheckpointKeepsWatermark_HV5) {
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

TEST_F(PageWriterTest, CountsAccumulateInTheRun) {
  store_.write_page(page({live_record("oai:x:1", "One"), live_record("oai:x:2", "Two")}));
  store_.write_page(page({live_record("oai:x:1", "One"), deleted_record("oai:x:2")}));
  store_.finish_run(run_id_, store::RunResult::kOk, "", 3);
  EXPECT_EQ(SqliteProbe(path_).value(
                "SELECT records_new || ' ' || records_updated || ' ' || records_deleted || ' ' || "
                "records_unchanged || ' ' || pages || ' ' || bytes || ' ' || retries || ' ' || "
                "result FROM harvest_runs"),
            "2 0 1 1 2 2000 3 ok");
}

TEST_F(PageWriterTest, SweepTombstonesRecordsNotSeen_HV11) {
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
  EXPECT_EQ(rows_of("SELECT upstream_identifier, deleted, metadata IS NULL FROM records ORDER BY id"),
            (std::vector<std::string>{"oai:x:1|0|0", "oai:x:2|1|1", "oai:x:3|0|0"}));
  EXPECT_EQ(rows_of("SELECT count(*) FROM sweeps"), (std::vector<std::string>{"0"}));
  EXPECT_EQ(rows_of("SELECT count(*) FROM dc_fts WHERE dc_fts MATCH 'two'"),
            (std::vector<std::string>{"0"}));
}

TEST_F(PageWriterTest, SweepKeepsSetsOfTombstones_S7) {
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

TEST_F(PageWriterTest, NoSweepNoTombstones) {
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
    const auto before = SqliteProbe(path_).dump();
    EXPECT_THROW(store_.write_page(bad), StoreError);
    // Compared as a boolean: the dumps are too long to print usefully.
    EXPECT_TRUE(SqliteProbe(path_).dump() == before);
  }
};

TEST_F(AtomicPageTest, FailureInFirstRecord) {
  auto bad = live_record("oai:x:2", "Bad");
  bad.dc.push_back({"dcterms:abstract", "not a DC element", ""});
  expect_failure_changes_nothing(page({bad, live_record("oai:x:3", "Fine")}));
}

TEST_F(AtomicPageTest, FailureInLastRecordAfterUpdates) {
  auto bad = live_record("oai:x:9", "Bad");
  bad.dc.push_back({"notdc", "x", ""});
  expect_failure_changes_nothing(page({live_record("oai:x:1", "Changed", {"b"}),
                                       deleted_record("oai:x:2"), bad}));
}

TEST_F(AtomicPageTest, FailureAtTheEndInRunCounters) {
  auto bad = page({live_record("oai:x:1", "Changed"), live_record("oai:x:2", "New")});
  bad.run_id = 12345;
  expect_failure_changes_nothing(bad);
}

TEST_F(AtomicPageTest, FailureOnUnknownList) {
  auto bad = page({live_record("oai:x:2", "New")});
  bad.list_id = 999;
  expect_failure_changes_nothing(bad);
}

// Readers in other connections see whole pages only and are never blocked.
TEST_F(PageWriterTest, ConcurrentReaderSeesWholePagesOnly) {
  constexpr int kPages = 100;
  constexpr int kPerPage = 50;
  std::atomic<bool> writing{true};
  std::atomic<int> reads{0};
  std::string reader_error;
  std::thread reader([&] {
    try {
      auto reading = Store::open(path_, {.read_only = true});
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

}  // namespace
