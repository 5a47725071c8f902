// Opening a store: creation, migrations, version checks, connection settings.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "store/store.h"
#include "tests/store/store_engines.h"

namespace {

using store::Migration;
using store::Store;
using store::StoreError;
using testing_support::Engine;
using testing_support::engine_name;
using testing_support::EngineStore;
using testing_support::SqliteProbe;

int newest_version() { return store::kMigrations.back().version; }

// A fresh place for a store of the test's engine (not yet created).
class StoreEngineTest : public ::testing::TestWithParam<Engine> {
 protected:
  StoreEngineTest() : place_(GetParam()) {}
  EngineStore place_;
};
INSTANTIATE_TEST_SUITE_P(store, StoreEngineTest, testing_support::kEngines, engine_name);

TEST_P(StoreEngineTest, MigrationsAreNumberedWithoutGaps) {
  const auto& migrations =
      GetParam() == Engine::kSqlite ? store::kMigrations : store::kPostgresMigrations;
  ASSERT_FALSE(migrations.empty());
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1) << migrations[i].name;
  }
  EXPECT_STREQ(migrations.front().name, "001_initial.sql");
}

TEST_P(StoreEngineTest, CreatesTheStoreAtTheNewestVersion) {
  EXPECT_EQ(Store::open(place_.name()).schema_version(), place_.newest_version());
  // 32 random bytes, hex: the key that signs resumption tokens.
  const auto key =
      place_.probe()->value("SELECT value FROM settings WHERE key = 'resumption_token_key'");
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos) << key;
}

TEST_P(StoreEngineTest, EnforcesForeignKeys) {
  auto store = Store::open(place_.name());
  EXPECT_THROW(store.quarantine(999, std::nullopt, "http://x/", "bad", std::nullopt, "raw"),
               StoreError);
  EXPECT_NO_THROW(store.quarantine(std::nullopt, std::nullopt, "http://x/", "bad", 3, "raw"));
}

// Every migration is applied once: opening again changes nothing.
TEST_P(StoreEngineTest, ReopeningChangesNothing) {
  Store::open(place_.name());
  const auto first = place_.probe()->dump();
  EXPECT_EQ(Store::open(place_.name()).schema_version(), place_.newest_version());
  Store::open(place_.name());
  EXPECT_EQ(place_.probe()->dump(), first);
}

TEST_P(StoreEngineTest, RefusesStoreOfNewerSchema) {
  Store::open(place_.name());
  const int newest = place_.newest_version();
  place_.probe()->set_schema_version(newest + 5);
  try {
    Store::open(place_.name());
    FAIL() << "a newer store was opened";
  } catch (const StoreError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("schema version " + std::to_string(newest + 5)), std::string::npos)
        << message;
    EXPECT_NE(message.find("(" + std::to_string(newest) + ")"), std::string::npos) << message;
    EXPECT_NE(message.find("use a newer oaipmh"), std::string::npos) << message;
  }
  EXPECT_THROW(Store::open(place_.name(), {.read_only = true}), StoreError);
}

TEST_P(StoreEngineTest, WaitsForAnotherWriterWithinBusyTimeout) {
  auto store = Store::open(place_.name());
  auto other = place_.probe();
  other->lock_for_writing();
  std::thread release([&other] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    other->exec("COMMIT");
  });
  EXPECT_NO_THROW(store.upsert_source("waiting", "http://example.org/oai"));
  release.join();
}

TEST_P(StoreEngineTest, GivesUpAfterBusyTimeout) {
  auto store = Store::open(place_.name(), {.busy_timeout_ms = 50});
  auto other = place_.probe();
  other->lock_for_writing();
  EXPECT_THROW(store.upsert_source("blocked", "http://example.org/oai"), StoreError);
  other->exec("COMMIT");
  EXPECT_NO_THROW(store.upsert_source("unblocked", "http://example.org/oai"));
}

// What is particular to SQLite: its file, PRAGMAs and its own migrations.
class SqliteStoreTest : public StoreEngineTest {};
INSTANTIATE_TEST_SUITE_P(store, SqliteStoreTest, ::testing::Values(Engine::kSqlite), engine_name);

TEST_P(SqliteStoreTest, CreatesEveryDocumentedTable) {
  const auto path = place_.name();
  EXPECT_EQ(Store::open(path).schema_version(), newest_version());

  SqliteProbe probe(path);
  EXPECT_EQ(probe.value("PRAGMA user_version"), std::to_string(newest_version()));
  const auto tables = probe.rows(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'dc_fts_%' "
      "ORDER BY name");
  EXPECT_EQ(tables,
            (std::vector<std::string>{"checkpoints", "dc_fts", "harvest_lists", "harvest_runs",
                                      "quarantine", "record_sets", "records", "sets", "settings",
                                      "source_formats", "sources", "sweep_seen", "sweeps"}));
  EXPECT_EQ(probe.rows("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name"),
            (std::vector<std::string>{"dc_elements", "dc_fts_text"}));
  EXPECT_EQ(probe.value("SELECT length(value) FROM settings WHERE key = 'resumption_token_key'"),
            "64");
}

TEST_P(SqliteStoreTest, NewStoreHas16KiBPages) {
  const auto path = place_.name();
  Store::open(path);
  EXPECT_EQ(SqliteProbe(path).value("PRAGMA page_size"), "16384");
}

// 003 rebuilt the full-text index without its copy of the text: records
// harvested before still match, and a later change takes their old text out.
TEST_P(SqliteStoreTest, Migration003KeepsTheIndexOfEarlierRecords) {
  const auto path = place_.name();
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
  EXPECT_EQ(
      probe.value("SELECT count(*) FROM dc_fts WHERE dc_fts MATCH 'kyrgyzstan AND creator:doe'"),
      "1");
  EXPECT_EQ(probe.value("SELECT count(*) FROM sqlite_master WHERE name = 'dc_fts_content'"), "0");
  store.write_page(page("Rivers of Tajikistan"));
  EXPECT_EQ(probe.value("SELECT count(*) FROM dc_fts WHERE dc_fts MATCH 'kyrgyzstan'"), "0");
  EXPECT_EQ(probe.value("SELECT count(*) FROM dc_fts WHERE dc_fts MATCH 'tajikistan AND doe'"),
            "1");
}

TEST_P(SqliteStoreTest, SetsWalMode) {
  const auto path = place_.name();
  Store::open(path);
  SqliteProbe probe(path);
  EXPECT_EQ(probe.value("PRAGMA journal_mode"), "wal");
}

TEST_P(SqliteStoreTest, RefusesFileThatIsNotAStore) {
  const auto path = place_.name();
  std::ofstream(path) << "these are not the droids you are looking for\n";
  EXPECT_THROW(Store::open(path), StoreError);
}

TEST_P(SqliteStoreTest, ReadOnlyNeverCreates) {
  const auto path = place_.name();
  EXPECT_THROW(Store::open(path, {.read_only = true}), StoreError);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_P(SqliteStoreTest, ReadOnlyRefusesUnmigratedStore) {
  const auto path = place_.name();
  const std::vector<Migration> none;
  Store::open(path, none, {});
  EXPECT_THROW(Store::open(path, {.read_only = true}), StoreError);
}

TEST_P(SqliteStoreTest, AppliesOnlyMissingMigrations) {
  const auto path = place_.name();
  const std::vector<Migration> v1 = {{1, "001_a.sql", "CREATE TABLE a (x);"}};
  const std::vector<Migration> v2 = {v1[0], {2, "002_b.sql", "CREATE TABLE b (y);"}};
  EXPECT_EQ(Store::open(path, v1, {}).schema_version(), 1);
  // Applying 001 again would fail: the table exists.
  EXPECT_EQ(Store::open(path, v2, {}).schema_version(), 2);
  EXPECT_EQ(SqliteProbe(path).rows("SELECT name FROM sqlite_master ORDER BY name"),
            (std::vector<std::string>{"a", "b"}));
}

TEST_P(SqliteStoreTest, FailedMigrationLeavesStoreAtPreviousVersion) {
  const auto path = place_.name();
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

// What is particular to PostgreSQL: a database that must exist, its
// migrations kept in schema_version, a server that may be out of reach.
class PostgresStoreTest : public StoreEngineTest {};
INSTANTIATE_TEST_SUITE_P(store, PostgresStoreTest, ::testing::Values(Engine::kPostgres),
                         engine_name);

TEST_P(PostgresStoreTest, CreatesEveryTable) {
  Store::open(place_.name());
  auto probe = place_.probe();
  EXPECT_EQ(probe->rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "ORDER BY tablename"),
            (std::vector<std::string>{"checkpoints", "harvest_lists", "harvest_runs", "host_leases",
                                      "quarantine", "record_sets", "records", "schema_version",
                                      "sets", "settings", "source_formats", "sources", "sweep_seen",
                                      "sweeps", "worker_sources"}));
  // Text that is ordered or paged on compares as bytes, as in SQLite.
  EXPECT_EQ(probe->rows("SELECT column_name FROM information_schema.columns "
                        "WHERE table_name = 'records' AND collation_name = 'C' "
                        "ORDER BY column_name"),
            (std::vector<std::string>{"datestamp", "metadata_prefix", "upstream_identifier"}));
}

TEST_P(PostgresStoreTest, AppliesEachMigrationOnce) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Store::open(place_.name()).schema_version(), place_.newest_version());
  }
  auto probe = place_.probe();
  EXPECT_EQ(probe->value("SELECT count(*) || ' ' || max(version) FROM schema_version"),
            "1 " + std::to_string(place_.newest_version()));
  EXPECT_EQ(probe->value("SELECT count(*) FROM settings"), "2");
}

// Harvest workers and serve processes may all start on a new database at
// once: each opens it, one of them creates the tables.
TEST_P(PostgresStoreTest, ConcurrentOpensOfANewDatabaseMigrateOnce) {
  constexpr int kOpeners = 4;
  std::vector<std::string> errors(kOpeners);
  std::vector<std::thread> openers;
  for (int i = 0; i < kOpeners; ++i) {
    openers.emplace_back([this, i, &errors] {
      try {
        auto store = Store::open(place_.name());
        store.upsert_source("source" + std::to_string(i), "http://example.org/oai");
      } catch (const std::exception& error) {
        errors[static_cast<std::size_t>(i)] = error.what();
      }
    });
  }
  for (auto& opener : openers) opener.join();
  EXPECT_EQ(errors, std::vector<std::string>(kOpeners));
  auto probe = place_.probe();
  EXPECT_EQ(probe->value("SELECT count(*) FROM schema_version"), "1");
  EXPECT_EQ(probe->value("SELECT count(*) FROM sources"), std::to_string(kOpeners));
}

// A read-only open (oaipmh serve) of a database no one migrated creates
// nothing and says what to do.
TEST_P(PostgresStoreTest, ReadOnlyRefusesUnmigratedDatabase) {
  try {
    Store::open(place_.name(), {.read_only = true});
    FAIL() << "an empty database was opened read-only";
  } catch (const StoreError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("schema version 0"), std::string::npos) << message;
    EXPECT_NE(message.find("oaipmh init"), std::string::npos) << message;
  }
  EXPECT_EQ(place_.probe()->value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
            "0");
}

TEST_P(PostgresStoreTest, ReadOnlyStoreRefusesWrites) {
  Store::open(place_.name());
  auto reading = Store::open(place_.name(), {.read_only = true});
  EXPECT_EQ(reading.stats().sources, 0);
  EXPECT_THROW(reading.upsert_source("demo", "http://example.org/oai"), StoreError);
  EXPECT_EQ(place_.probe()->value("SELECT count(*) FROM sources"), "0");
}

// Whatever is wrong with the URL, the error names it, so a person sees
// which of their settings to fix.
void expect_open_fails_naming(const std::string& url) {
  try {
    Store::open(url);
    FAIL() << url << " was opened";
  } catch (const StoreError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("cannot open store " + url + ": "), std::string::npos) << message;
  }
}

TEST_P(PostgresStoreTest, UnreachableServerGivesAnErrorNamingTheUrl) {
  expect_open_fails_naming("postgresql:///oaipmh?host=/nonexistent/socket/dir&user=oaipmh");
  expect_open_fails_naming("postgresql://127.0.0.1:1/oaipmh?connect_timeout=5");
}

TEST_P(PostgresStoreTest, MissingDatabaseGivesAnErrorNamingTheUrl) {
  expect_open_fails_naming(
      testing_support::with_database(place_.name(), "oaipmh_no_such_database"));
}

TEST_P(PostgresStoreTest, MalformedUrlGivesAnErrorNamingIt) {
  expect_open_fails_naming("postgresql://[::1/oaipmh");
  expect_open_fails_naming("postgresql:///oaipmh?no_such_option=1");
}

}  // namespace
