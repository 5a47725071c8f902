// A thin RAII layer over libpq, internal to the store module. Every failure
// throws store::StoreError carrying PostgreSQL's message.
#ifndef STORE_POSTGRES_CONNECTION_H_
#define STORE_POSTGRES_CONNECTION_H_

#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store_error.h"

namespace store::pg {

// A one-dimensional array parameter in PostgreSQL's binary format (as
// array_recv reads it), for Params::bytes() and a `$n::type[]` placeholder.
class BinaryArray {
 public:
  // The element type's OID: the server refuses an array of any other type.
  static constexpr std::uint32_t kText = 25;
  static constexpr std::uint32_t kBoolean = 16;
  static constexpr std::uint32_t kBigint = 20;

  explicit BinaryArray(std::uint32_t element_type) : element_type_(element_type) {}

  void add(std::string_view text) {
    put32(static_cast<std::uint32_t>(text.size()));
    elements_.append(text);
    ++count_;
  }
  // NULL for an empty text: the SQLite engine stores '' as NULL (NULLIF).
  void add_or_null(std::string_view text) {
    if (text.empty())
      add_null();
    else
      add(text);
  }
  void add_null() {
    put32(0xffffffffu);  // length -1
    has_null_ = true;
    ++count_;
  }
  void add(bool value) {
    put32(1);
    elements_ += value ? '\1' : '\0';
    ++count_;
  }
  void add(std::int64_t value) {
    put32(8);
    put32(static_cast<std::uint32_t>(static_cast<std::uint64_t>(value) >> 32));
    put32(static_cast<std::uint32_t>(value));
    ++count_;
  }

  bool empty() const { return count_ == 0; }

  // The header (dimensions, NULL flag, element type) and the elements.
  std::string encoded() const {
    std::string out;
    out.reserve(20 + elements_.size());
    append32(out, count_ == 0 ? 0 : 1);
    append32(out, has_null_ ? 1 : 0);
    append32(out, element_type_);
    if (count_ != 0) {
      append32(out, count_);
      append32(out, 1);  // lower bound
    }
    out += elements_;
    return out;
  }

 private:
  static void append32(std::string& out, std::uint32_t value) {
    out += static_cast<char>(value >> 24);
    out += static_cast<char>(value >> 16);
    out += static_cast<char>(value >> 8);
    out += static_cast<char>(value);
  }
  void put32(std::uint32_t value) { append32(elements_, value); }

  std::uint32_t element_type_;
  std::uint32_t count_ = 0;
  bool has_null_ = false;
  std::string elements_;  // each: length (big-endian int32, -1 for NULL), bytes
};

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
  // A text[] parameter, in binary format (cast it: $1::text[]).
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

// One row of a result, read by column with the accessor names the store's
// shared row readers use (read_served_row(), ...).
struct RowReader {
  const Result& rows;
  int row;
  std::int64_t integer(int column) const { return rows.integer(row, column); }
  std::string text(int column) const { return rows.text(row, column); }  // '' for NULL
  std::optional<std::string> optional_text(int column) const {
    return rows.optional_text(row, column);
  }
  bool flag(int column) const { return rows.boolean(row, column); }
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

  PGconn* conn_ = nullptr;                                 // owned
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

#endif  // STORE_POSTGRES_CONNECTION_H_
