// A thin RAII layer over the SQLite C API, internal to the store module.
// Every failure throws store::StoreError carrying SQLite's message.
#ifndef STORE_SQLITE_CONNECTION_H_
#define STORE_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/store_error.h"

namespace store::sqlite {

// One connection. Movable, not copyable; closes on destruction.
class Connection {
 public:
  // Opens `path` with `flags` (SQLITE_OPEN_*). Throws StoreError on failure.
  Connection(const std::string& path, int flags);
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs `sql` (any number of statements, no results wanted).
  void exec(const char* sql);

  // Runs a query whose first row's first column is an integer.
  std::int64_t query_int(const char* sql);

  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;  // owned
};

// One prepared statement, reusable with reset(). Parameters are 1-based.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_optional(int index, const std::optional<std::string>& text);  // NULL when nullopt
  Statement& bind_null(int index);

  // Steps once: true while a row is available, false when done.
  bool step();
  // Steps to completion of a statement that returns no rows.
  void run();
  // Clears bindings and rewinds, ready for the next use.
  void reset();

  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;
  std::optional<std::string> column_optional_text(int index) const;
  bool column_is_null(int index) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;  // owned
  sqlite3* db_ = nullptr;         // not owned, for error messages
};

// The current row of a stepped statement, read by column with the accessor
// names the store's shared row readers use (read_served_row(), ...).
struct RowReader {
  const Statement& row;
  std::int64_t integer(int column) const { return row.column_int(column); }
  std::string text(int column) const { return row.column_text(column); }  // '' for NULL
  std::optional<std::string> optional_text(int column) const {
    return row.column_optional_text(column);
  }
  bool flag(int column) const { return row.column_int(column) != 0; }
};

// BEGIN IMMEDIATE ... COMMIT; rolls back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Connection& connection_;
  bool done_ = false;  // committed or rolled back
};

}  // namespace store::sqlite

#endif  // STORE_SQLITE_CONNECTION_H_
