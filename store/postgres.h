// A thin RAII layer over libpq, internal to the store module. Every failure
// throws store::StoreError carrying PostgreSQL's message.
#ifndef STORE_POSTGRES_H_
#define STORE_POSTGRES_H_

#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store_error.h"

namespace store::pg {

// The values of a statement's parameters ($1, $2, ...), in order, as text
// (or bytes, for bytea parameters added with bytes()).
class Params {
 public:
  Params& add(std::int64_t value);
  Params& add(std::string_view text);
  Params& add(const char* text) { return add(std::string_view(text)); }
  Params& add(const std::string& text) { return add(std::string_view(text)); }
  Params& add(bool value);
  Params& add(const std::optional<std::string>& text);  // NULL when nullopt
  Params& add_null();
  // Sent in binary format: a bytea's bytes, or an array in PostgreSQL's binary
  // array format.
  Params& bytes(std::string_view raw);
  // A text[] parameter (written as an array literal; cast it: $1::text[]).
  Params& array(const std::vector<std::string>& texts);

  int size() const { return static_cast<int>(values_.size()); }
  std::vector<const char*> pointers() const;
  const std::vector<int>& lengths() const { return lengths_; }
  const std::vector<int>& formats() const { return formats_; }

 private:
  std::vector<std::optional<std::string>> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

// A statement's result; rows and columns are 0-based.
class Result {
 public:
  explicit Result(PGresult* result) : result_(result) {}
  Result(Result&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Result& operator=(Result&& other) noexcept;
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result();

  int rows() const { return PQntuples(result_); }
  bool is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
  std::string text(int row, int column) const;  // '' for NULL
  std::optional<std::string> optional_text(int row, int column) const;
  std::int64_t integer(int row, int column) const;  // 0 for NULL
  bool boolean(int row, int column) const;          // 't'
  // Rows changed by an INSERT, UPDATE or DELETE.
  std::int64_t affected() const;

 private:
  PGresult* result_ = nullptr;  // owned
};

// One connection. Movable, not copyable; closes on destruction.
class Connection {
 public:
  // Connects to `url` (libpq's connection URI). Throws StoreError on failure.
  explicit Connection(const std::string& url);
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs `sql`: any number of statements, without parameters.
  void exec(const std::string& sql);

  // Runs one statement with parameters. `sql` must be a string literal: it
  // is prepared on first use and found again by its address.
  Result run(const char* sql, const Params& params = {});

  // Runs one statement with parameters without preparing it (for SQL built
  // at run time).
  Result run_once(const std::string& sql, const Params& params = {});

  PGconn* get() const { return conn_; }

 private:
  Result check(PGresult* result, std::string_view what);

  PGconn* conn_ = nullptr;                               // owned
  std::unordered_map<const char*, std::string> prepared_;  // SQL literal -> statement name
};

// BEGIN ... COMMIT; rolls back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& connection, const char* begin = "BEGIN");
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Connection& connection_;
  bool done_ = false;
};

}  // namespace store::pg

#endif  // STORE_POSTGRES_H_
