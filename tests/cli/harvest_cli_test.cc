// `oaipmh harvest` as cron runs it: configuration, exit statuses, the lock,
// summaries, and a harvest killed with SIGKILL and run again.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "tests/harvester/harvest_fixture.h"
#include "tests/support/page_chain.h"
#include "tests/support/run_command.h"

namespace {

using testing_support::file_response;
using testing_support::FixtureServer;
using testing_support::json;
using testing_support::run_command;
using testing_support::SqliteProbe;
using testing_support::TempDir;

const std::string kOaipmh = OAIPMH_BINARY;

// A configuration for tests: no politeness delay, quick retries.
std::string write_config(const TempDir& dir, const std::string& store,
                         const std::vector<std::pair<std::string, std::string>>& sources) {
  std::string text = "store = \"" + store +
                     "\"\n[harvest]\npoliteness_delay = 0\n"
                     "retry_base_delay = 0.05\nmax_attempts = 2\nlow_speed_time = 5\n";
  for (const auto& [name, url] : sources) {
    text += "[[source]]\nname = \"" + name + "\"\nurl = \"" + url + "\"\n";
  }
  const auto path = dir.file("oaipmh.toml");
  std::ofstream(path) << text;
  return path;
}

class HarvestCli : public ::testing::Test {
 protected:
  void start(const json& extra_rules) {
    json rules = json::array();
    rules.push_back({{"match", {{"verb", "Identify"}}},
                     {"responses", {file_response("harvest/identify-seconds.xml")}}});
    rules.push_back({{"match", {{"verb", "ListMetadataFormats"}}},
                     {"responses", {file_response("harvest/list-metadata-formats.xml")}}});
    rules.push_back({{"match", {{"verb", "ListSets"}}},
                     {"responses", {file_response("harvest/no-set-hierarchy.xml")}}});
    for (const auto& rule : extra_rules) rules.push_back(rule);
    const auto scenario = dir_.file("scenario.json");
    std::ofstream(scenario) << json{{"rules", rules}}.dump();
    server_ = std::make_unique<FixtureServer>(scenario, dir_.file("requests.jsonl"));
  }

  TempDir dir_;
  std::unique_ptr<FixtureServer> server_;
};

TEST_F(HarvestCli, HarvestsConfiguredSourcesAndPrintsOneSummaryEach) {
  start(testing_support::write_page_chain(dir_.path().string(), 3, 10));
  const auto store = dir_.file("store.sqlite");
  const auto config = write_config(dir_, store, {{"chain", server_->base_url()}});
  const auto result = run_command(kOaipmh + " harvest --config " + config + " < /dev/null");
  EXPECT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("chain: ok, 27 new, 0 updated, 3 deleted, 0 unchanged, 3 pages"),
            std::string::npos)
      << result.output;
  EXPECT_EQ(SqliteProbe(store).value("SELECT count(*) FROM records"), "30");

  const auto again = run_command(kOaipmh + " harvest --config " + config + " chain");
  EXPECT_EQ(again.exit_status, 0) << again.output;
  EXPECT_NE(again.output.find("chain: ok, 0 new, 0 updated, 0 deleted, 30 unchanged"),
            std::string::npos)
      << again.output;
}

TEST_F(HarvestCli, OneFailingSourceExitsOneAndOthersAreHarvested) {
  start(testing_support::write_page_chain(dir_.path().string(), 1, 5));
  const auto store = dir_.file("store.sqlite");
  // Nothing listens on port 1 of the loopback: connecting is refused.
  const auto config = write_config(
      dir_, store, {{"good", server_->base_url()}, {"missing", "http://127.0.0.1:1/oai"}});
  const auto result = run_command(kOaipmh + " harvest --config " + config);
  EXPECT_EQ(result.exit_status, 1) << result.output;
  EXPECT_NE(result.output.find("good: ok"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("missing: FAILED"), std::string::npos) << result.output;
  SqliteProbe probe(store);
  EXPECT_EQ(probe.value("SELECT count(*) FROM records"), "5");
  EXPECT_EQ(probe.rows("SELECT s.name, r.result FROM harvest_runs r JOIN sources s "
                       "ON s.id = r.source_id ORDER BY s.name"),
            (std::vector<std::string>{"good|ok", "missing|failed"}));
}

TEST_F(HarvestCli, ConfigurationErrorsExitTwo) {
  const auto store = dir_.file("store.sqlite");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"store = \"x\"\nunknown_key = 1\n", "unknown key 'unknown_key'"},
      {"store = \"x\"\n[harvest]\nworkers = \"four\"\n", "'workers' must be a whole number"},
      {"store = \"x\n", "line 1"},
      {"store = \"x\"\n[[source]]\nname = \"a b\"\nurl = \"http://h/oai\"\n", "name 'a b'"},
      {"store = \"x\"\n[[source]]\nname = \"a\"\nurl = \"ftp://h/oai\"\n", "http://"},
      {"store = \"x\"\n[[source]]\nname = \"a\"\nurl = \"http://h/\"\n"
       "[[source]]\nname = \"a\"\nurl = \"http://i/\"\n",
       "used twice"},
  };
  for (const auto& [text, expected] : cases) {
    const auto path = dir_.file("bad.toml");
    std::ofstream(path) << text;
    const auto result = run_command(kOaipmh + " harvest --config " + path);
    EXPECT_EQ(result.exit_status, 2) << text << result.output;
    EXPECT_NE(result.output.find(expected), std::string::npos) << result.output;
  }
  EXPECT_EQ(run_command(kOaipmh + " harvest --store " + store).exit_status, 2);
  EXPECT_EQ(run_command(kOaipmh + " harvest --store " + store +
                        " --url http://127.0.0.1:1/oai --name x --from 2024-13-01")
                .exit_status,
            2);
}

TEST_F(HarvestCli, HeldLockExitsThreeAtOnce) {
  const auto store = dir_.file("store.sqlite");
  const int fd = open((store + ".harvest-lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
  const auto result =
      run_command(kOaipmh + " harvest --store " + store + " --url http://127.0.0.1:1/oai --name x");
  close(fd);
  EXPECT_EQ(result.exit_status, 3) << result.output;
  EXPECT_NE(result.output.find("another harvest holds the lock"), std::string::npos);
}

// HV-10: --contact is sent as From; without any contact the run says once,
// on stderr, how to give one (and --quiet keeps even that to itself).
TEST_F(HarvestCli, ContactIsSentAsFromAndItsAbsenceIsNotedOnce_HV10) {
  start(testing_support::write_page_chain(dir_.path().string(), 2, 5));
  const auto store = dir_.file("store.sqlite");
  const std::string url = " --url " + server_->base_url() + " --name chain --politeness-delay 0";
  const auto anonymous = run_command(kOaipmh + " harvest --store " + store + url);
  ASSERT_EQ(anonymous.exit_status, 0) << anonymous.output;
  const std::string note = "no contact address";
  const auto at = anonymous.output.find(note);
  EXPECT_NE(at, std::string::npos) << anonymous.output;
  EXPECT_EQ(anonymous.output.find(note, at + 1), std::string::npos) << anonymous.output;
  EXPECT_NE(anonymous.output.find("--contact EMAIL"), std::string::npos) << anonymous.output;
  EXPECT_EQ(run_command(kOaipmh + " harvest -q --store " + store + url).output.find(note),
            std::string::npos);

  const auto named = run_command(kOaipmh + " harvest --store " + store + url +
                                 " --contact harvest@example.org --user-agent probe/1.0");
  ASSERT_EQ(named.exit_status, 0) << named.output;
  EXPECT_EQ(named.output.find(note), std::string::npos) << named.output;
  const auto last_request = json::parse(server_->requests().back());
  EXPECT_EQ(last_request["headers"].value("from", ""), "harvest@example.org");
  EXPECT_EQ(last_request["headers"].value("user-agent", ""), "probe/1.0");

  // A value that could add a header of its own is refused, here and in the file.
  EXPECT_EQ(
      run_command(kOaipmh + " harvest --store " + store + url + " --contact 'a@b.org\r\nX: y'")
          .exit_status,
      2);
  const auto config = dir_.file("bad-contact.toml");
  std::ofstream(config) << "store = \"x\"\n[harvest]\ncontact = \"not an address\"\n";
  const auto refused = run_command(kOaipmh + " harvest --config " + config);
  EXPECT_EQ(refused.exit_status, 2);
  EXPECT_NE(refused.output.find("'contact' must be an e-mail address"), std::string::npos)
      << refused.output;
}

// The per-source keys a one-off run sets from the shell: the politeness delay
// spaces the requests of one source; the others reach the settings too.
TEST_F(HarvestCli, PerSourceKeysHaveCommandLineForms) {
  start(testing_support::write_page_chain(dir_.path().string(), 3, 2));
  const auto store = dir_.file("store.sqlite");
  const auto result =
      run_command(kOaipmh + " harvest --store " + store + " --url " + server_->base_url() +
                  " --name chain --politeness-delay 0.4 --max-attempts 1 --connect-timeout 5"
                  " --request-timeout 60 --max-response-mb 8 --max-retry-wait 1 --max-pages 10"
                  " --ignore-declared-base-url --contact harvest@example.org");
  ASSERT_EQ(result.exit_status, 0) << result.output;
  const auto requests = server_->requests();
  ASSERT_GE(requests.size(), 6u);  // Identify, formats, sets, three pages
  const double first = json::parse(requests.front())["time"].get<double>();
  const double last = json::parse(requests.back())["time"].get<double>();
  EXPECT_GE(last - first, 0.4 * static_cast<double>(requests.size() - 1) - 0.05)
      << "requests closer together than the politeness delay";
  // --max-pages 1 stops the three-page list as a loop (HV-4).
  const auto stopped =
      run_command(kOaipmh + " harvest --store " + dir_.file("other.sqlite") + " --url " +
                  server_->base_url() + " --name chain --politeness-delay 0 --max-pages 1");
  EXPECT_EQ(stopped.exit_status, 1) << stopped.output;
  for (const std::string bad :
       {"--politeness-delay -1", "--max-response-mb 4096", "--max-attempts 0", "--max-pages 0"}) {
    EXPECT_EQ(run_command(kOaipmh + " harvest --store " + store + " --url " + server_->base_url() +
                          " --name chain " + bad)
                  .exit_status,
              2)
        << bad;
  }
}

// Runs `oaipmh harvest` in the background; returns its pid.
pid_t spawn_harvest(const std::string& config, const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    execl(kOaipmh.c_str(), kOaipmh.c_str(), "harvest", "--config", config.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

std::vector<std::string> record_rows(const std::string& store) {
  return SqliteProbe(store).rows(
      "SELECT r.upstream_identifier, r.upstream_datestamp, r.deleted, r.metadata, r.harvest_date, "
      "(SELECT group_concat(set_spec) FROM record_sets WHERE record_id = r.id), "
      "(SELECT group_concat(element || '=' || value, ';') FROM dc_elements WHERE record_id = r.id) "
      "FROM records r ORDER BY r.upstream_identifier");
}

// How many harvest runs of `store` wrote a page; 0 while it has none.
int runs_with_pages(const std::string& store) {
  if (!std::filesystem::exists(store)) return 0;
  try {
    return std::stoi(SqliteProbe(store).value("SELECT count(*) FROM harvest_runs WHERE pages > 0"));
  } catch (const std::exception&) {
    return 0;  // the store is being created
  }
}

TEST_F(HarvestCli, KilledHarvestResumesToTheSameStore_HV5) {
  constexpr int kPages = 30;
  constexpr int kPerPage = 20;
  start(testing_support::write_page_chain(dir_.path().string(), kPages, kPerPage, 0.03));

  const auto reference = dir_.file("reference.sqlite");
  const auto reference_config = write_config(dir_, reference, {{"chain", server_->base_url()}});
  ASSERT_EQ(run_command(kOaipmh + " harvest --config " + reference_config).exit_status, 0);

  const auto store = dir_.file("store.sqlite");
  TempDir config_dir;
  const auto config = write_config(config_dir, store, {{"chain", server_->base_url()}});
  std::mt19937 random(20261129);
  std::uniform_int_distribution<int> moment(0, 150);
  for (int kill = 0; kill < 5; ++kill) {
    const int before = runs_with_pages(store);
    const pid_t pid = spawn_harvest(config, dir_.file("killed.log"));
    // Each kill falls inside the list, whatever the machine's speed (a
    // sanitizer build starts slowly): after this run's first page, at a
    // random moment of the next few.
    for (int wait = 0; wait < 3000 && runs_with_pages(store) == before; ++wait)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(moment(random)));
    ::kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  // The kills fell inside the list: runs that never ended, and checkpoints
  // that the next run resumed from.
  EXPECT_GE(std::stoi(SqliteProbe(store).value(
                "SELECT count(*) FROM harvest_runs WHERE ended_at IS NULL AND pages > 0")),
            3);
  const auto last = run_command(kOaipmh + " harvest --config " + config);
  ASSERT_EQ(last.exit_status, 0) << last.output;

  EXPECT_EQ(record_rows(store), record_rows(reference));
  SqliteProbe probe(store);
  EXPECT_EQ(probe.value("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(probe.value("SELECT count(*) FROM records"), std::to_string(kPages * kPerPage));
  EXPECT_EQ(probe.value("SELECT next_from FROM harvest_lists"),
            SqliteProbe(reference).value("SELECT next_from FROM harvest_lists"));
  EXPECT_EQ(probe.value("SELECT count(*) FROM checkpoints"), "0");
}

}  // namespace
