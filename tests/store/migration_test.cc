// Opening a store: creation, migrations, version checks, connection settings.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "store/store.h"
#include "tests/support/sqlite_probe.h"
#include "tests/support/temp_dir.h"

namespace {

using store::Migration;
using store::Store;
using store::StoreError;
using testing_support::SqliteProbe;
using testing_support::TempDir;

int newest_version() { return store::kMigrations.back().version; }

TEST(Migrations, AreNumberedWithoutGaps) {
  ASSERT_FALSE(store::kMigrations.empty());
  for (std::size_t i = 0; i < store::kMigrations.size(); ++i) {
    EXPECT_EQ(store::kMigrations[i].version, static_cast<int>(i) + 1) << store::kMigrations[i].name;
  }
  EXPECT_STREQ(store::kMigrations.front().name, "001_initial.sql");
}

TEST(StoreOpen, CreatesEveryDocumentedTable) {
  TempDir dir;
  const auto path = dir.file("store.sqlite");
  EXPECT_EQ(Store::open(path).schema_version(), newest_version());

  SqliteProbe probe(path);
  EXPECT_EQ(probe.value("PRAGMA user_version"), std::to_string(newest_version()));
  const auto tables = probe.rows(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'dc_fts_%' "
      "ORDER BY name");
  EXPECT_EQ(tables, (std::vector<std::string>{"checkpoints", "dc_fts",
                                              "harvest_lists", "harvest_runs", "quarantine",
                                              "record_sets", "records", "sets", "settings",
                                              "source_formats", "sources", "sweep_seen",
                                              "sweeps"}));
  EXPECT_EQ(probe.rows("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name"),
            (std::vector<std::string>{"dc_elements", "dc_fts_text"}));
  EXPECT_EQ(probe.value("SELECT length(value) FROM settings WHERE key = 'resumption_token_key'"),
            "64");
}

TEST(StoreOpen, NewStoreHas16KiBPages) {
  TempDir dir;
  const auto path = dir.file("store.sqlite");
  Store::open(path);
  EXPECT_EQ(SqliteProbe(path).value("PRAGMA page_size"), "16384");
}

// 003 rebuilt the full-text index without its copy of the text: records
// harvested before still match, and a later change takes their old text out.
TEST(StoreOpen, Migration003KeepsTheIndexOfEarlierRecords) {
  TempDir dir;
  const auto path = dir.file("store.sqlite");
  const std::vector<Migration> up_to_2(store::kMigrations.begin(), store::kMigrations.begin() + 2);
  std::int64_t list = 0;
  std::int64_t run = 0;
  auto page = [&](const std::string& title) {
    store::HarvestedRecord record;
    record.identifier = "oai:x:1";
    record.datestamp = "2024-05-01";
    record.metadata = "<dc>" + title + "</dc>";
    record.dc = {{"title", title, ""}, {"creator", "Doe, Jane", ""}, {"date", "2024", ""}};
    store::HarvestedPage harvested;
    harvested.list_id = list;
    harvested.run_id = run;
    harvested.response_date = "2024-06-02T12:00:00Z";
    harvested.records = {record};
    harvested.next_from = "2024-06-02";
    return harvested;
  };
  {
    auto old = Store::open(path, up_to_2, {});
    const auto source = old.upsert_source("demo", "http://example.org/oai");
    list = old.open_list(source, "oai_dc").id;
    run = old.begin_run(source);
    old.write_page(page("Glaciers of Kyrgyzstan"));
  }
  auto store = Store::open(path);
  SqliteProbe probe(path);
  EXPECT_EQ(probe.value("SELECT count(*) FROM dc_fts WHERE dc_fts MATCH 'kyrgyzstan AND creator:doe'"), "1");
  EXPECT_EQ(probe.value("SELECT count(*) FROM sqlite_master WHERE name = 'dc_fts_content'"), "0");
  store.write_page(page("Rivers of Tajikistan"));
  EXPECT_EQ(probe.value("SELECT count(*) FROM dc_fts WHERE dc_fts MATCH 'kyrgyzstan'"), "0");
  EXPECT_EQ(probe.value("SELECT count(*) FROM dc_fts WHERE dc_fts MATCH 'tajikistan AND doe'"), "1");
}

TEST(StoreOpen, SetsWalMode) {
  TempDir dir;
  const auto path = dir.file("store.sqlite");
  Store::open(path);
  SqliteProbe probe(path);
  EXPECT_EQ(probe.value("PRAGMA journal_mode"), "wal");
}

TEST(StoreOpen, EnforcesForeignKeys) {
  TempDir dir;
  auto store = Store::open(dir.file("store.sqlite"));
  EXPECT_THROW(store.quarantine(999, std::nullopt, "http://x/", "bad", std::nullopt, "raw"),
               StoreError);
  EXPECT_NO_THROW(store.quarantine(std::nullopt, std::nullopt, "http://x/", "bad", 3, "raw"));
}

TEST(StoreOpen, ReopeningChangesNothing) {
  TempDir dir;
  const auto path = dir.file("store.sqlite");
  Store::open(path);
  const auto first = SqliteProbe(path).dump();
  Store::open(path);
  Store::open(path);
  EXPECT_EQ(SqliteProbe(path).dump(), first);
}

TEST(StoreOpen, RefusesStoreOfNewerSchema) {
  TempDir dir;
  const auto path = dir.file("store.sqlite");
  Store::open(path);
  SqliteProbe(path).exec("PRAGMA user_version = " + std::to_string(newest_version() + 5));
  try {
    Store::open(path);
    FAIL() << "a newer store was opened";
  } catch (const StoreError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("schema version " + std::to_string(newest_version() + 5)),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("(" + std::to_string(newest_version()) + ")"), std::string::npos)
        << message;
  }
  EXPECT_THROW(Store::open(path, {.read_only = true}), StoreError);
}

TEST(StoreOpen, RefusesFileThatIsNotAStore) {
  TempDir dir;
  const auto path = dir.file("notes.txt");
  std::ofstream(path) << "these are not the droids you are looking for\n";
  EXPECT_THROW(Store::open(path), StoreError);
}

TEST(StoreOpen, ReadOnlyNeverCreates) {
  TempDir dir;
  const auto path = dir.file("missing.sqlite");
  EXPECT_THROW(Store::open(path, {.read_only = true}), StoreError);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(StoreOpen, ReadOnlyRefusesUnmigratedStore) {
  TempDir dir;
  const auto path = dir.file("store.sqlite");
  const std::vector<Migration> none;
  Store::open(path, none, {});
  EXPECT_THROW(Store::open(path, {.read_only = true}), StoreError);
}

TEST(StoreOpen, AppliesOnlyMissingMigrations) {
  TempDir dir;
  const auto path = dir.file("store.sqlite");
  const std::vector<Migration> v1 = {{1, "001_a.sql", "CREATE TABLE a (x);"}};
  const std::vector<Migration> v2 = {v1[0], {2, "002_b.sql", "CREATE TABLE b (y);"}};
  EXPECT_EQ(Store::open(path, v1, {}).schema_version(), 1);
  // Applying 001 again would fail: the table exists.
  EXPECT_EQ(Store::open(path, v2, {}).schema_version(), 2);
  EXPECT_EQ(SqliteProbe(path).rows("SELECT name FROM sqlite_master ORDER BY name"),
            (std::vector<std::string>{"a", "b"}));
}

TEST(StoreOpen, FailedMigrationLeavesStoreAtPreviousVersion) {
  TempDir dir;
  const auto path = dir.file("store.sqlite");
  const std::vector<Migration> broken = {
      {1, "001_a.sql", "CREATE TABLE a (x);"},
      {2, "002_broken.sql", "CREATE TABLE b (y); INSERT INTO missing VALUES (1);"}};
  try {
    Store::open(path, broken, {});
    FAIL() << "a broken migration was applied";
  } catch (const StoreError& error) {
    EXPECT_NE(std::string(error.what()).find("002_broken.sql"), std::string::npos);
  }
  SqliteProbe probe(path);
  EXPECT_EQ(probe.value("PRAGMA user_version"), "1");
  EXPECT_EQ(probe.rows("SELECT name FROM sqlite_master ORDER BY name"),
            (std::vector<std::string>{"a"}));
}

TEST(StoreOpen, WaitsForAnotherWriterWithinBusyTimeout) {
  TempDir dir;
  const auto path = dir.file("store.sqlite");
  auto store = Store::open(path);
  SqliteProbe other(path);
  other.exec("BEGIN IMMEDIATE");
  std::thread release([&other] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    other.exec("COMMIT");
  });
  EXPECT_NO_THROW(store.upsert_source("waiting", "http://example.org/oai"));
  release.join();
}

TEST(StoreOpen, GivesUpAfterBusyTimeout) {
  TempDir dir;
  const auto path = dir.file("store.sqlite");
  auto store = Store::open(path, {.busy_timeout_ms = 50});
  SqliteProbe other(path);
  other.exec("BEGIN IMMEDIATE");
  EXPECT_THROW(store.upsert_source("blocked", "http://example.org/oai"), StoreError);
  other.exec("COMMIT");
}

}  // namespace
