// The subcommands of `oaipmh`: each registers its options on the app and
// returns the function that runs it.
#ifndef CLI_COMMANDS_H_
#define CLI_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "cli/usage_error.h"
#include "store/store.h"

namespace cli {

// Exit statuses shared by every subcommand (listed in `oaipmh --help`).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// A subcommand registered on the app, and what runs it once it is parsed.
// The run function returns the exit status; it may throw: UsageError (and
// ConfigurationError) for exit status 2, anything else for 1.
struct Command {
  CLI::App* subcommand;
  std::function<int()> run;
};

// Checks a --store that must already exist: a file that exists, or a
// database URL (whose database is checked when opened).
inline const CLI::Validator kExistingStore(
    [](std::string& name) -> std::string {
      return store::is_missing_file(name) ? "no store file: " + name : std::string();
    },
    "STORE");

Command add_harvest_command(CLI::App& app);
Command add_init_command(CLI::App& app);
Command add_query_command(CLI::App& app);
Command add_serve_command(CLI::App& app);
Command add_show_command(CLI::App& app);
Command add_status_command(CLI::App& app);
Command add_validate_command(CLI::App& app);

}  // namespace cli

#endif  // CLI_COMMANDS_H_
