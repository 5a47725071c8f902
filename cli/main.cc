// oaipmh: harvest OAI-PMH repositories into one store (SQLite or PostgreSQL),
// serve it, query it.
#include <algorithm>
#include <boost/version.hpp>
#include <cctype>
#include <cstdio>
#include <exception>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "harvester/harvest_run.h"
#include "store/store.h"

namespace cli {
extern const char kGitCommit[];  // build_info.cc, generated at build time
}  // namespace cli

namespace {

// What `oaipmh --version` prints: ours, then every library's that a bug
// report may need.
std::string version_text() {
  std::string text = "oaipmh " OAIPMH_VERSION " (commit " + std::string(cli::kGitCommit) + ")\n";
  std::vector<std::string> libraries = store::library_versions();
  for (auto& library : harvester::library_versions()) libraries.push_back(std::move(library));
  libraries.push_back("Boost " + std::to_string(BOOST_VERSION / 100000) + "." +
                      std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                      std::to_string(BOOST_VERSION % 100));
  text += "with";
  for (std::size_t i = 0; i < libraries.size(); ++i) {
    text += (i == 0 ? " " : ", ") + libraries[i];
  }
  return text;
}

// Lists each subcommand with the first sentence of its description; the
// whole description is in the subcommand's own --help.
class Formatter : public CLI::Formatter {
 public:
  std::string make_subcommand(const CLI::App* subcommand) const override {
    std::string sentence = subcommand->get_description();
    for (std::size_t at = 0; at < sentence.size(); ++at) {
      if (sentence[at] == '.' && (at + 1 == sentence.size() ||
                                  std::isspace(static_cast<unsigned char>(sentence[at + 1])))) {
        sentence.resize(at + 1);
        break;
      }
    }
    std::replace(sentence.begin(), sentence.end(), '\n', ' ');
    std::stringstream out;
    CLI::detail::format_help(out, subcommand->get_display_name(true), sentence, column_width_);
    return out.str();
  }
};

// Parses the command line and runs the subcommand; returns the exit status.
int run(int argc, char** argv) {
  CLI::App app{
      "oaipmh: an OAI-PMH 2.0 harvester, provider and search over one store (a SQLite\n"
      "file or a PostgreSQL database).\n\n"
      "Exit status: 0 success, 1 the command failed, 2 usage or configuration error\n"
      "(each subcommand's --help lists its own).",
      "oaipmh"};
  app.set_version_flag("--version", version_text,
                       "Print the version, the commit and the libraries' versions, and exit");
  app.formatter(std::make_shared<Formatter>());
  app.require_subcommand(1);
  app.fallthrough();

  const std::vector<cli::Command> commands = {
      cli::add_harvest_command(app),  cli::add_init_command(app), cli::add_query_command(app),
      cli::add_serve_command(app),    cli::add_show_command(app), cli::add_status_command(app),
      cli::add_validate_command(app),
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
      } catch (const cli::UsageError& error) {
        std::fprintf(stderr, "oaipmh %s: %s\n", command.subcommand->get_name().c_str(),
                     error.what());
        return cli::kExitUsage;
      } catch (const std::exception& error) {
        std::fprintf(stderr, "oaipmh %s: %s\n", command.subcommand->get_name().c_str(),
                     error.what());
        return cli::kExitFailed;
      }
    }
  }
  return cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {  // building the command line itself failed
    std::fprintf(stderr, "oaipmh: %s\n", error.what());
  } catch (...) {
    std::fprintf(stderr, "oaipmh: an unknown error\n");
  }
  return cli::kExitFailed;
}
