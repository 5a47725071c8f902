// The store tests on both engines: a fresh store of either kind, and a probe
// that looks into its database the way a person with the sqlite3 shell or
// psql would, independently of the store module's code.
#ifndef TESTS_STORE_STORE_ENGINES_H_
#define TESTS_STORE_STORE_ENGINES_H_

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/migrations.h"
#include "tests/support/postgres_database.h"
#include "tests/support/sqlite_probe.h"
#include "tests/support/temp_dir.h"

namespace testing_support {

enum class Engine { kSqlite, kPostgres };

// For INSTANTIATE_TEST_SUITE_P: every engine, named as people name them.
inline const auto kEngines = ::testing::Values(Engine::kSqlite, Engine::kPostgres);
inline std::string engine_name(const ::testing::TestParamInfo<Engine>& info) {
  return info.param == Engine::kSqlite ? "SQLite" : "PostgreSQL";
}
// How gtest (and so CTest's test names) print an engine.
inline void PrintTo(Engine engine, std::ostream* out) {
  *out << (engine == Engine::kSqlite ? "SQLite" : "PostgreSQL");
}

// Direct access to a store's database. Rows come back as SqliteProbe gives
// them (columns joined by '|', NULL as "NULL"), booleans as 1 and 0 as
// SQLite holds them, so one query reads the same on both engines.
class StoreProbe {
 public:
  virtual ~StoreProbe() = default;
  virtual std::vector<std::string> rows(const std::string& sql) = 0;
  virtual void exec(const std::string& sql) = 0;
  // Every row of every table, in a stable order: equal dumps, equal stores.
  virtual std::string dump() = 0;
  // How many records the full-text index finds for `word`, in one column
  // (title, creator, subject, description, other) or, when empty, in any.
  virtual int text_matches(const std::string& word, const std::string& column = "") = 0;
  // Every distinct term the full-text index holds, sorted.
  virtual std::vector<std::string> terms() = 0;
  // Writes the schema version the store declares (to fake a newer store).
  virtual void set_schema_version(int version) = 0;
  // Opens a transaction that holds the lock a writer needs (on sources).
  virtual void lock_for_writing() = 0;

  // The first column of the first row of `sql`.
  std::string value(const std::string& sql) {
    const auto all = rows(sql);
    return all.empty() ? std::string("<no row>") : all.front();
  }
};

class SqliteStoreProbe final : public StoreProbe {
 public:
  explicit SqliteStoreProbe(const std::string& path) : probe_(path) {}
  std::vector<std::string> rows(const std::string& sql) override { return probe_.rows(sql); }
  void exec(const std::string& sql) override { probe_.exec(sql); }
  std::string dump() override { return probe_.dump(); }
  int text_matches(const std::string& word, const std::string& column) override {
    const std::string query = column.empty() ? word : column + ":" + word;
    return std::stoi(
        probe_.value("SELECT count(*) FROM dc_fts WHERE dc_fts MATCH '" + query + "'"));
  }
  std::vector<std::string> terms() override {
    probe_.exec(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.terms USING fts5vocab(main, dc_fts, 'row')");
    auto all = probe_.rows("SELECT term FROM temp.terms");
    std::sort(all.begin(), all.end());
    return all;
  }
  void set_schema_version(int version) override {
    probe_.exec("PRAGMA user_version = " + std::to_string(version));
  }
  void lock_for_writing() override { probe_.exec("BEGIN IMMEDIATE"); }

 private:
  SqliteProbe probe_;
};

class PostgresStoreProbe final : public StoreProbe {
 public:
  explicit PostgresStoreProbe(const std::string& url) : connection_(PQconnectdb(url.c_str())) {
    if (PQstatus(connection_) != CONNECTION_OK) {
      const std::string message = PQerrorMessage(connection_);
      PQfinish(connection_);
      throw std::runtime_error("cannot connect to " + url + ": " + message);
    }
    PQsetNoticeProcessor(
        connection_, [](void*, const char*) {}, nullptr);
  }
  PostgresStoreProbe(const PostgresStoreProbe&) = delete;
  PostgresStoreProbe& operator=(const PostgresStoreProbe&) = delete;
  ~PostgresStoreProbe() override { PQfinish(connection_); }

  std::vector<std::string> rows(const std::string& sql) override {
    PGresult* result = PQexec(connection_, sql.c_str());
    if (PQresultStatus(result) != PGRES_TUPLES_OK && PQresultStatus(result) != PGRES_COMMAND_OK) {
      const std::string message = PQresultErrorMessage(result);
      PQclear(result);
      throw std::runtime_error(message + " in " + sql);
    }
    constexpr Oid kBoolean = 16;
    std::vector<std::string> all;
    for (int r = 0; r < PQntuples(result); ++r) {
      std::string row;
      for (int c = 0; c < PQnfields(result); ++c) {
        if (c > 0) row += '|';
        if (PQgetisnull(result, r, c)) {
          row += "NULL";
        } else if (PQftype(result, c) == kBoolean) {
          row += PQgetvalue(result, r, c)[0] == 't' ? "1" : "0";
        } else {
          row.append(PQgetvalue(result, r, c), static_cast<std::size_t>(PQgetlength(result, r, c)));
        }
      }
      all.push_back(std::move(row));
    }
    PQclear(result);
    return all;
  }
  void exec(const std::string& sql) override { rows(sql); }

  std::string dump() override {
    std::string out;
    for (const auto& column :
         rows("SELECT table_name, column_name, data_type, coalesce(collation_name, '') "
              "FROM information_schema.columns WHERE table_schema = 'public' "
              "ORDER BY table_name, ordinal_position")) {
      out += column + "\n";
    }
    for (const auto& table : rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                  "ORDER BY tablename")) {
      out += "== " + table + "\n";
      auto content = rows("SELECT * FROM \"" + table + "\"");
      std::sort(content.begin(), content.end());
      for (const auto& row : content) out += row + "\n";
    }
    return out;
  }

  // fts weighs title A, creator B, subject C, description D; fts_other
  // holds the rest.
  int text_matches(const std::string& word, const std::string& column) override {
    const std::string query = "to_tsquery('oaipmh_text', '" + word + "')";
    std::string where;
    if (column.empty())
      where = "fts @@ " + query + " OR fts_other @@ " + query;
    else if (column == "other")
      where = "fts_other @@ " + query;
    else
      where = "fts @@ to_tsquery('oaipmh_text', '" + word + ":" + weight(column) + "')";
    return std::stoi(value("SELECT count(*) FROM records WHERE " + where));
  }
  std::vector<std::string> terms() override {
    auto all = rows(
        "SELECT DISTINCT word FROM ts_stat('SELECT fts FROM records WHERE fts IS NOT NULL "
        "UNION ALL SELECT fts_other FROM records WHERE fts_other IS NOT NULL')");
    std::sort(all.begin(), all.end());
    return all;
  }
  void set_schema_version(int version) override {
    exec("UPDATE schema_version SET version = " + std::to_string(version));
  }
  void lock_for_writing() override {
    exec("BEGIN");
    exec("LOCK TABLE sources IN EXCLUSIVE MODE");
  }

 private:
  static std::string weight(const std::string& column) {
    if (column == "title") return "A";
    if (column == "creator") return "B";
    if (column == "subject") return "C";
    if (column == "description") return "D";
    throw std::invalid_argument("no full-text column " + column);
  }

  PGconn* connection_;
};

// A fresh, empty place for a store of the engine: a file in a temporary
// directory, or a new database of the test cluster. Store::open(name())
// creates the store.
class EngineStore {
 public:
  explicit EngineStore(Engine engine) : engine_(engine) {
    if (engine == Engine::kSqlite) {
      dir_.emplace();
      name_ = dir_->file("store.sqlite");
    } else {
      database_.emplace();
      name_ = database_->url();
    }
  }

  Engine engine() const { return engine_; }
  // The file path or URL the store is opened with.
  const std::string& name() const { return name_; }
  std::unique_ptr<StoreProbe> probe() const {
    if (engine_ == Engine::kSqlite) return std::make_unique<SqliteStoreProbe>(name_);
    return std::make_unique<PostgresStoreProbe>(name_);
  }
  // The newest schema version this program knows for the engine.
  int newest_version() const {
    const auto& migrations =
        engine_ == Engine::kSqlite ? store::kMigrations : store::kPostgresMigrations;
    return migrations.back().version;
  }

 private:
  Engine engine_;
  std::optional<TempDir> dir_;
  std::optional<PostgresDatabase> database_;
  std::string name_;
};

}  // namespace testing_support

#endif  // TESTS_STORE_STORE_ENGINES_H_
