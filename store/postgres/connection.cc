#include "store/postgres/connection.h"

#include <cstdlib>
#include <utility>

namespace store::pg {

Params& Params::add(std::int64_t value) { return add(std::string_view(std::to_string(value))); }

Params& Params::add(std::string_view text) {
  values_.emplace_back(std::string(text));
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

Params& Params::add(bool value) { return add(std::string_view(value ? "t" : "f")); }

Params& Params::add(const std::optional<std::string>& text) {
  return text ? add(std::string_view(*text)) : add_null();
}

Params& Params::add_null() {
  values_.emplace_back(std::nullopt);
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

Params& Params::bytes(std::string_view raw) {
  values_.emplace_back(std::string(raw));
  lengths_.push_back(static_cast<int>(raw.size()));
  formats_.push_back(1);
  return *this;
}

Params& Params::array(const std::vector<std::string>& texts) {
  BinaryArray array(BinaryArray::kText);
  for (const auto& text : texts) array.add(std::string_view(text));
  return bytes(array.encoded());
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> pointers;
  pointers.reserve(values_.size());
  for (const auto& value : values_) pointers.push_back(value ? value->c_str() : nullptr);
  return pointers;
}

Result& Result::operator=(Result&& other) noexcept {
  std::swap(result_, other.result_);
  return *this;
}

Result::~Result() {
  if (result_ != nullptr) PQclear(result_);
}

std::string Result::text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::optional<std::string> Result::optional_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return text(row, column);
}

std::int64_t Result::integer(int row, int column) const {
  if (is_null(row, column)) return 0;
  return std::strtoll(PQgetvalue(result_, row, column), nullptr, 10);
}

bool Result::boolean(int row, int column) const {
  return !is_null(row, column) && PQgetvalue(result_, row, column)[0] == 't';
}

std::int64_t Result::affected() const { return std::strtoll(PQcmdTuples(result_), nullptr, 10); }

Connection::Connection(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
  if (conn_ == nullptr) throw StoreError("cannot open store " + url + ": out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    PQfinish(conn_);
    conn_ = nullptr;
    throw StoreError("cannot open store " + url + ": " + message);
  }
  // Notices (e.g. "relation already exists, skipping") are not for people.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

Connection::Connection(Connection&& other) noexcept
    : conn_(other.conn_), prepared_(std::move(other.prepared_)) {
  other.conn_ = nullptr;
}

Connection& Connection::operator=(Connection&& other) noexcept {
  std::swap(conn_, other.conn_);
  std::swap(prepared_, other.prepared_);
  return *this;
}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

Result Connection::check(PGresult* result, std::string_view what) {
  const auto status = PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Result(result);
  std::string message = result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
  if (result != nullptr) PQclear(result);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (message.rfind("ERROR:  ", 0) == 0) message.erase(0, 8);
  throw StoreError(std::string(what).append(": ").append(message));
}

void Connection::exec(const std::string& sql) { check(PQexec(conn_, sql.c_str()), "PostgreSQL"); }

Result Connection::run(const char* sql, const Params& params) {
  auto found = prepared_.find(sql);
  if (found == prepared_.end()) {
    std::string name = "s";
    name += std::to_string(prepared_.size());
    check(PQprepare(conn_, name.c_str(), sql, 0, nullptr), "PostgreSQL");
    found = prepared_.emplace(sql, std::move(name)).first;
  }
  const auto values = params.pointers();
  return check(PQexecPrepared(conn_, found->second.c_str(), params.size(), values.data(),
                              params.lengths().data(), params.formats().data(), 0),
               "PostgreSQL");
}

Result Connection::run_once(const std::string& sql, const Params& params) {
  const auto values = params.pointers();
  return check(PQexecParams(conn_, sql.c_str(), params.size(), nullptr, values.data(),
                            params.lengths().data(), params.formats().data(), 0),
               "PostgreSQL");
}

Transaction::Transaction(Connection& connection, const char* begin) : connection_(connection) {
  connection_.exec(begin);
}

Transaction::~Transaction() {
  if (done_) return;
  try {
    connection_.exec("ROLLBACK");
  } catch (...) {
    // The connection is gone: so is the transaction.
  }
}

void Transaction::commit() {
  connection_.exec("COMMIT");
  done_ = true;
}

}  // namespace store::pg
