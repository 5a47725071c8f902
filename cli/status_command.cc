// oaipmh status: what a store holds.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "store/store.h"

namespace cli {

Command add_status_command(CLI::App& app) {
  auto* command = app.add_subcommand("status", "Show what a store holds.");
  auto store_path = std::make_shared<std::string>();
  command->add_option("--store", *store_path, "Path of the SQLite store file")
      ->required()
      ->check(CLI::ExistingFile);
  return {command, [store_path] {
    const auto store = store::Store::open(*store_path, {.read_only = true});
    const auto stats = store.stats();
    std::printf("store:          %s\n", store_path->c_str());
    std::printf("schema version: %d\n", store.schema_version());
    std::printf("sources:        %lld\n", static_cast<long long>(stats.sources));
    std::printf("records:        %lld (%lld deleted)\n", static_cast<long long>(stats.records),
                static_cast<long long>(stats.deleted));
    return kExitOk;
  }};
}

}  // namespace cli
