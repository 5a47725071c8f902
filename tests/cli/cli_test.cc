// The oaipmh program as people run it: help, version, exit statuses.
#include <gtest/gtest.h>

#include "tests/support/run_command.h"
#include "tests/support/sqlite_probe.h"
#include "tests/support/temp_dir.h"

namespace {

using testing_support::run_command;
using testing_support::SqliteProbe;
using testing_support::TempDir;

const std::string kOaipmh = OAIPMH_BINARY;

TEST(Cli, PrintsVersion) {
  const auto result = run_command(kOaipmh + " --version");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.output.rfind("oaipmh ", 0), 0u) << result.output;
}

TEST(Cli, EverySubcommandHasHelp) {
  const auto top = run_command(kOaipmh + " --help");
  EXPECT_EQ(top.exit_status, 0);
  EXPECT_NE(top.output.find("Exit status"), std::string::npos) << top.output;
  for (const std::string subcommand : {"harvest", "init", "query", "serve", "show", "status"}) {
    EXPECT_NE(top.output.find(subcommand), std::string::npos) << subcommand;
    const auto help = run_command(kOaipmh + " " + subcommand + " --help");
    EXPECT_EQ(help.exit_status, 0) << subcommand;
    EXPECT_NE(help.output.find("--store"), std::string::npos) << help.output;
  }
}

TEST(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run_command(kOaipmh).exit_status, 2);
  EXPECT_EQ(run_command(kOaipmh + " frobnicate").exit_status, 2);
  EXPECT_EQ(run_command(kOaipmh + " init").exit_status, 2);
  EXPECT_EQ(run_command(kOaipmh + " status --store /nonexistent/store.sqlite").exit_status, 2);
}

TEST(Cli, InitCreatesStoreAndStatusReadsIt) {
  TempDir dir;
  const auto path = dir.file("store.sqlite");
  const auto init = run_command(kOaipmh + " init --store " + path);
  EXPECT_EQ(init.exit_status, 0) << init.output;
  EXPECT_NE(init.output.find("schema version"), std::string::npos) << init.output;
  const auto status = run_command(kOaipmh + " status --store " + path);
  EXPECT_EQ(status.exit_status, 0) << status.output;
  EXPECT_NE(status.output.find("records:        0"), std::string::npos) << status.output;
}

TEST(Cli, NewerStoreIsRefusedWithBothVersions) {
  TempDir dir;
  const auto path = dir.file("store.sqlite");
  ASSERT_EQ(run_command(kOaipmh + " init --store " + path).exit_status, 0);
  SqliteProbe(path).exec("PRAGMA user_version = 99");
  const auto result = run_command(kOaipmh + " status --store " + path);
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_NE(result.output.find("schema version 99"), std::string::npos) << result.output;
}

// Bad serve settings are usage errors (2); a server that cannot start is 1.
TEST(Cli, ServeRefusesBadSettingsClearly) {
  TempDir dir;
  const auto path = dir.file("store.sqlite");
  ASSERT_EQ(run_command(kOaipmh + " init --store " + path).exit_status, 0);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--listen nonsense", "ADDRESS:PORT"},
      {"--listen 127.0.0.1:70000", "0 to 65535"},
      {"--listen 127.0.0.1:0 --repository-identifier localhost", "domain name"},
      {"--listen 127.0.0.1:0 --admin-email nobody", "e-mail"},
  };
  for (const auto& [arguments, expected] : cases) {
    const auto result = run_command(kOaipmh + " serve --store " + path + " " + arguments);
    EXPECT_EQ(result.exit_status, 2) << arguments << ": " << result.output;
    EXPECT_NE(result.output.find(expected), std::string::npos) << result.output;
  }
  const auto missing = run_command(kOaipmh + " serve --listen 127.0.0.1:0 --store " + dir.file("none.sqlite"));
  EXPECT_EQ(missing.exit_status, 1) << missing.output;
  EXPECT_NE(missing.output.find("cannot open store"), std::string::npos) << missing.output;
}

}  // namespace
