// oaipmh init: create a store, or bring an existing one to the newest schema.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/configuration.h"
#include "store/store.h"

namespace cli {
namespace {

struct InitOptions {
  std::string store;
  std::string config;
};

int run_init(const InitOptions& options) {
  std::string store_name = options.store;
  if (store_name.empty()) {
    store_name = load_configuration(options.config).store;
    if (store_name.empty()) throw ConfigurationError(options.config + " names no store");
  }
  const auto store = store::Store::open(store_name);
  std::printf("%s: schema version %d\n", store_name.c_str(), store.schema_version());
  return kExitOk;
}

}  // namespace

Command add_init_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "init",
      "Create the store, or migrate it to this program's schema version.\n\n"
      "The store is --store, or the 'store' of --config FILE (what the serve unit\n"
      "runs before it starts, so that a new program migrates its store at once).");
  auto options = std::make_shared<InitOptions>();
  auto* store = command->add_option("--store", options->store,
                                    "The store: a SQLite file path or a postgresql:// URL");
  auto* config = command->add_option("--config", options->config,
                                     "TOML configuration whose 'store' to create or migrate");
  store->excludes(config);
  command->require_option(1);
  return {command, [options] { return run_init(*options); }};
}

}  // namespace cli
