// oaipmh: harvest OAI-PMH repositories into one store (SQLite or PostgreSQL),
// serve it, query it.
#include <cstdio>
#include <exception>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "oaipmh: an OAI-PMH 2.0 harvester, provider and search over one store (a SQLite\n"
      "file or a PostgreSQL database).\n\n"
      "Exit status: 0 success, 1 the command failed, 2 usage or configuration error\n"
      "(each subcommand's --help lists its own).",
      "oaipmh"};
  app.set_version_flag("--version", "oaipmh " OAIPMH_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  const std::vector<cli::Command> commands = {
      cli::add_harvest_command(app), cli::add_init_command(app), cli::add_query_command(app),
      cli::add_serve_command(app),   cli::add_show_command(app), cli::add_status_command(app),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int status = app.exit(error);
    return status == 0 ? cli::kExitOk : cli::kExitUsage;
  }
  for (const auto& command : commands) {
    if (command.subcommand->parsed()) {
      try {
        return command.run();
      } catch (const std::exception& error) {
        std::fprintf(stderr, "oaipmh %s: %s\n", command.subcommand->get_name().c_str(),
                     error.what());
        return cli::kExitFailed;
      }
    }
  }
  return cli::kExitUsage;
}
