// Direct SQLite access for tests: look at a store the way a person with the
// sqlite3 shell would, independently of the store module's code.
#ifndef TESTS_SUPPORT_SQLITE_PROBE_H_
#define TESTS_SUPPORT_SQLITE_PROBE_H_

#include <sqlite3.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace testing_support {

class SqliteProbe {
 public:
  explicit SqliteProbe(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      throw std::runtime_error("cannot open " + path);
    }
    sqlite3_busy_timeout(db_, 10'000);
  }
  SqliteProbe(const SqliteProbe&) = delete;
  SqliteProbe& operator=(const SqliteProbe&) = delete;
  ~SqliteProbe() { sqlite3_close(db_); }

  // Every row of `sql`, each as its columns joined by '|' (NULL as "NULL").
  std::vector<std::string> rows(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("prepare: ") + sqlite3_errmsg(db_) + " in " + sql);
    }
    std::vector<std::string> result;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        if (i > 0) row += '|';
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        row += text == nullptr ? "NULL" : std::string(text, sqlite3_column_bytes(stmt, i));
      }
      result.push_back(row);
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string("step: ") + sqlite3_errmsg(db_));
    return result;
  }

  // The first column of the first row of `sql`.
  std::string value(const std::string& sql) {
    const auto all = rows(sql);
    return all.empty() ? std::string("<no row>") : all.front();
  }

  void exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error != nullptr ? error : "exec failed";
      sqlite3_free(error);
      throw std::runtime_error(message);
    }
  }

  // The whole content of the store: schema, version and every row of every
  // table, in a stable order. Two equal dumps mean two equal stores.
  std::string dump() {
    std::string out = "user_version=" + value("PRAGMA user_version") + "\n";
    for (const auto& entry :
         rows("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")) {
      out += entry + "\n";
    }
    for (const auto& table :
         rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
      out += "== " + table + "\n";
      auto content = rows("SELECT * FROM \"" + table + "\"");
      std::sort(content.begin(), content.end());
      for (const auto& row : content) out += row + "\n";
    }
    return out;
  }

  sqlite3* get() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace testing_support

#endif  // TESTS_SUPPORT_SQLITE_PROBE_H_
