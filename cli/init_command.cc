// oaipmh init: create a store, or bring an existing one to the newest schema.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "store/store.h"

namespace cli {

Command add_init_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "init", "Create the store, or migrate it to this program's schema version.");
  auto store_path = std::make_shared<std::string>();
  command
      ->add_option("--store", *store_path, "The store: a SQLite file path or a postgresql:// URL")
      ->required();
  return {command, [store_path] {
            const auto store = store::Store::open(*store_path);
            std::printf("%s: schema version %d\n", store_path->c_str(), store.schema_version());
            return kExitOk;
          }};
}

}  // namespace cli
