// The oaipmh program as people run it: help, version, exit statuses.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/postgres_database.h"
#include "tests/support/run_command.h"
#include "tests/support/sqlite_probe.h"
#include "tests/support/temp_dir.h"

namespace {

using testing_support::PostgresDatabase;
using testing_support::run_command;
using testing_support::SqliteProbe;
using testing_support::TempDir;

const std::string kOaipmh = OAIPMH_BINARY;

// What a bug report needs: our version and commit, and each library's.
TEST(Cli, PrintsVersionCommitAndLibraries) {
  const auto result = run_command(kOaipmh + " --version");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.output.rfind("oaipmh ", 0), 0u) << result.output;
  EXPECT_NE(result.output.find("(commit "), std::string::npos) << result.output;
  for (const std::string library : {"SQLite 3.", "libpq ", "libcurl ", "libxml2 2.", "Boost 1."}) {
    EXPECT_NE(result.output.find(library), std::string::npos) << library << " in " << result.output;
  }
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
  const auto missing =
      run_command(kOaipmh + " serve --listen 127.0.0.1:0 --store " + dir.file("none.sqlite"));
  EXPECT_EQ(missing.exit_status, 1) << missing.output;
  EXPECT_NE(missing.output.find("cannot open store"), std::string::npos) << missing.output;
}

// `harvest --worker` shares the sources of a configuration through a
// PostgreSQL store; anything else is a usage error that says what to give.
TEST(Cli, WorkerNeedsAConfigurationAndAPostgresStore) {
  TempDir dir;
  const auto config = dir.file("workers.toml");
  std::ofstream(config) << "[[source]]\nname = \"a\"\nurl = \"http://127.0.0.1:9/oai\"\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--worker --store " + dir.file("s.sqlite") + " --config " + config,
       "needs a PostgreSQL store"},
      {"--worker --store postgresql:///x --url http://127.0.0.1:9/oai --name a",
       "--worker harvests the sources of --config"},
      {"--worker --full --store postgresql:///x --config " + config, "--full, --from and --until"},
      {"--worker-name w1 --store " + dir.file("s.sqlite") + " --config " + config,
       "--worker-name goes with --worker"},
  };
  for (const auto& [arguments, expected] : cases) {
    const auto result = run_command(kOaipmh + " harvest " + arguments);
    EXPECT_EQ(result.exit_status, 2) << arguments << ": " << result.output;
    EXPECT_NE(result.output.find(expected), std::string::npos) << result.output;
  }
}

TEST(Cli, WorkerSettingsAreCheckedLikeEveryOtherKey) {
  TempDir dir;
  for (const auto& [line, expected] : std::vector<std::pair<std::string, std::string>>{
           {"lease_seconds = 0", "lease_seconds"},
           {"lease_seconds = \"long\"", "lease_seconds"},
           {"revisit_hours = -1", "revisit_hours"},
           {"revisit_hours = nan", "revisit_hours"}}) {
    const auto config = dir.file("bad.toml");
    std::ofstream(config) << "[harvest]\n"
                          << line << "\n[[source]]\nname = \"a\"\n"
                          << "url = \"http://127.0.0.1:9/oai\"\n";
    const auto result =
        run_command(kOaipmh + " harvest --worker --store postgresql:///x --config " + config);
    EXPECT_EQ(result.exit_status, 2) << line << ": " << result.output;
    EXPECT_NE(result.output.find(expected), std::string::npos) << line << ": " << result.output;
  }
}

// A PostgreSQL URL in a configuration is not taken as a path relative to
// the file; an unreachable server is a failure (1) naming the URL.
TEST(Cli, StoreUrlInTheConfigurationIsUsedAsGiven) {
  TempDir dir;
  const auto config = dir.file("c.toml");
  const std::string url = "postgresql:///no_such_database?host=" + dir.path().string();
  std::ofstream(config) << "store = \"" << url << "\"\n[[source]]\nname = \"a\"\n"
                        << "url = \"http://127.0.0.1:9/oai\"\n";
  const auto result = run_command(kOaipmh + " harvest --quiet --config " + config);
  EXPECT_EQ(result.exit_status, 1) << result.output;
  EXPECT_NE(result.output.find("cannot open store " + url), std::string::npos) << result.output;
}

// The harvest lock of a PostgreSQL store is an advisory lock in the
// database: a second plain harvest is refused (3) while one holds it, and
// workers share it with each other but not with a plain harvest.
TEST(Cli, PostgresStoreHarvestLockIsAnAdvisoryLock) {
  PostgresDatabase database;
  ASSERT_EQ(run_command(kOaipmh + " init --store '" + database.url() + "'").exit_status, 0);
  const std::string hold = "psql -X -q '" + database.url() + "' -c 'SELECT pg_advisory_lock(" +
                           std::to_string(0x6f61692d686172) +
                           "), pg_sleep(3)' >/dev/null 2>&1 & sleep 1; ";
  const auto result =
      run_command(hold + kOaipmh + " harvest --store '" + database.url() +
                  "' --url http://127.0.0.1:9/oai --name a 2>&1; status=$?; wait; exit $status");
  EXPECT_EQ(result.exit_status, 3) << result.output;
  EXPECT_NE(result.output.find("another harvest holds the lock"), std::string::npos)
      << result.output;
}

}  // namespace
