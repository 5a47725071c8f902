// make_token: prints the resumption token `oaipmh serve` would issue for the
// ListRecords (oai_dc) page that starts POSITION records into the store, so a
// benchmark can ask for a page deep in a large list without walking to it.
// STORE is a SQLite file or a postgresql:// URL.
//   make_token STORE POSITION
#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "provider/resumption_token.h"
#include "store/store.h"

namespace {

// What the token needs from the store.
struct Position {
  std::string key_hex;         // settings.resumption_token_key
  std::string last_datestamp;  // of the record just before the position
  long long last_id = 0;
  long long list_size = 0;  // oai_dc records
};

constexpr const char* kKeySql = "SELECT value FROM settings WHERE key = 'resumption_token_key'";
// The record just before the position: the token continues after it.
constexpr const char* kAtSql =
    "SELECT datestamp, id, (SELECT count(*) FROM records WHERE metadata_prefix = 'oai_dc') "
    "FROM records WHERE metadata_prefix = 'oai_dc' ORDER BY datestamp, id LIMIT 1 OFFSET ";

bool read_sqlite(const char* path, long long offset, Position& at) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return false;
  sqlite3_stmt* key = nullptr;
  sqlite3_stmt* row = nullptr;
  const std::string at_sql = kAtSql + std::to_string(offset);
  sqlite3_prepare_v2(db, kKeySql, -1, &key, nullptr);
  sqlite3_prepare_v2(db, at_sql.c_str(), -1, &row, nullptr);
  const bool found = sqlite3_step(key) == SQLITE_ROW && sqlite3_step(row) == SQLITE_ROW;
  if (found) {
    at.key_hex = reinterpret_cast<const char*>(sqlite3_column_text(key, 0));
    at.last_datestamp = reinterpret_cast<const char*>(sqlite3_column_text(row, 0));
    at.last_id = sqlite3_column_int64(row, 1);
    at.list_size = sqlite3_column_int64(row, 2);
  }
  sqlite3_finalize(key);
  sqlite3_finalize(row);
  sqlite3_close(db);
  return found;
}

bool read_postgres(const char* url, long long offset, Position& at) {
  PGconn* db = PQconnectdb(url);
  bool found = false;
  if (PQstatus(db) == CONNECTION_OK) {
    PGresult* key = PQexec(db, kKeySql);
    PGresult* row = PQexec(db, (kAtSql + std::to_string(offset)).c_str());
    found = PQntuples(key) == 1 && PQntuples(row) == 1;
    if (found) {
      at.key_hex = PQgetvalue(key, 0, 0);
      at.last_datestamp = PQgetvalue(row, 0, 0);
      at.last_id = std::strtoll(PQgetvalue(row, 0, 1), nullptr, 10);
      at.list_size = std::strtoll(PQgetvalue(row, 0, 2), nullptr, 10);
    }
    PQclear(key);
    PQclear(row);
  }
  PQfinish(db);
  return found;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_token STORE POSITION\n");
    return 2;
  }
  const long long position = std::strtoll(argv[2], nullptr, 10);
  Position at;
  const bool found = store::is_postgres_url(argv[1]) ? read_postgres(argv[1], position - 1, at)
                                                     : read_sqlite(argv[1], position - 1, at);
  if (!found) {
    std::fprintf(stderr, "make_token: cannot read %s, no such position, or no key\n", argv[1]);
    return 1;
  }
  std::string bytes;
  for (std::size_t i = 0; i + 1 < at.key_hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(at.key_hex.substr(i, 2), nullptr, 16));
  }
  provider::TokenState state;
  state.verb = provider::Verb::kListRecords;
  state.metadata_prefix = "oai_dc";
  state.until = "9999-12-31T23:59:59Z";
  state.last_datestamp = at.last_datestamp;
  state.last_id = at.last_id;
  state.cursor = position;
  state.complete_list_size = at.list_size;
  state.expires_at = std::time(nullptr) + 48 * 3600;
  std::printf("%s\n", provider::TokenCodec(bytes).encode(state).c_str());
  return 0;
}
