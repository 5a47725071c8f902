// make_token: prints the resumption token `oaipmh serve` would issue for the
// ListRecords (oai_dc) page that starts POSITION records into the store, so a
// benchmark can ask for a page deep in a large list without walking to it.
//   make_token STORE POSITION
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include <sqlite3.h>

#include "provider/resumption_token.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_token STORE POSITION\n");
    return 2;
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "make_token: cannot open %s\n", argv[1]);
    return 1;
  }
  sqlite3_stmt* key = nullptr;
  sqlite3_prepare_v2(db, "SELECT value FROM settings WHERE key = 'resumption_token_key'", -1, &key, nullptr);
  sqlite3_stmt* at = nullptr;
  // The record just before the position: the token continues after it.
  sqlite3_prepare_v2(db,
                     "SELECT datestamp, id, (SELECT count(*) FROM records WHERE metadata_prefix = 'oai_dc') "
                     "FROM records WHERE metadata_prefix = 'oai_dc' ORDER BY datestamp, id LIMIT 1 OFFSET ?1",
                     -1, &at, nullptr);
  sqlite3_bind_int64(at, 1, std::strtoll(argv[2], nullptr, 10) - 1);
  if (sqlite3_step(key) != SQLITE_ROW || sqlite3_step(at) != SQLITE_ROW) {
    std::fprintf(stderr, "make_token: no such position or no key\n");
    return 1;
  }
  const std::string hex = reinterpret_cast<const char*>(sqlite3_column_text(key, 0));
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  provider::TokenState state;
  state.verb = provider::Verb::kListRecords;
  state.metadata_prefix = "oai_dc";
  state.until = "9999-12-31T23:59:59Z";
  state.last_datestamp = reinterpret_cast<const char*>(sqlite3_column_text(at, 0));
  state.last_id = sqlite3_column_int64(at, 1);
  state.cursor = std::strtoll(argv[2], nullptr, 10);
  state.complete_list_size = sqlite3_column_int64(at, 2);
  state.expires_at = std::time(nullptr) + 48 * 3600;
  std::printf("%s\n", provider::TokenCodec(bytes).encode(state).c_str());
  sqlite3_finalize(key);
  sqlite3_finalize(at);
  sqlite3_close(db);
  return 0;
}
