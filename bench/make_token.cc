// make_token: prints the resumption token `oaipmh serve` would issue for the
// ListRecords (oai_dc) page that starts POSITION records into the store, so a
// benchmark can ask for a page deep in a large list without walking to it.
// STORE is a SQLite file or a postgresql:// URL.
//   make_token STORE POSITION
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <optional>
#include <string>

#include "provider/resumption_token.h"
#include "store/store.h"

namespace {

// The (datestamp, id) of the oai_dc record `offset` records into the list
// (0: the first), walked in keyset pages as the provider serves them.
std::optional<store::ServedRecord> record_at(const store::Store& store, long long offset) {
  store::RecordQuery query;
  query.metadata_prefix = "oai_dc";
  query.with_metadata = false;
  query.limit = 50'000;
  for (;;) {
    const auto page = store.list_records(query);
    if (static_cast<long long>(page.size()) > offset) return page[static_cast<std::size_t>(offset)];
    if (static_cast<int>(page.size()) < query.limit) return std::nullopt;
    offset -= static_cast<long long>(page.size());
    query.after_datestamp = page.back().datestamp;
    query.after_id = page.back().id;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_token STORE POSITION\n");
    return 2;
  }
  const long long position = std::strtoll(argv[2], nullptr, 10);
  std::optional<store::ServedRecord> at;
  std::string key_hex;
  long long list_size = 0;
  try {
    const auto store = store::Store::open(argv[1], {.read_only = true});
    key_hex = store.setting("resumption_token_key");
    store::RecordQuery all;
    all.metadata_prefix = "oai_dc";
    list_size = store.count_records(all);
    if (position >= 1) at = record_at(store, position - 1);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "make_token: %s\n", error.what());
    return 1;
  }
  if (!at || key_hex.empty()) {
    std::fprintf(stderr, "make_token: %s has no record %lld, or no key\n", argv[1], position);
    return 1;
  }
  std::string bytes;
  for (std::size_t i = 0; i + 1 < key_hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(key_hex.substr(i, 2), nullptr, 16));
  }
  provider::TokenState state;
  state.verb = oai::Verb::kListRecords;
  state.metadata_prefix = "oai_dc";
  state.until = "9999-12-31T23:59:59Z";
  state.last_datestamp = at->datestamp;
  state.last_id = at->id;
  state.cursor = position;
  state.complete_list_size = list_size;
  state.expires_at = std::time(nullptr) + 48 * 3600;
  std::printf("%s\n", provider::TokenCodec(bytes).encode(state).c_str());
  return 0;
}
