// A test harness for harvests: a scripted repository on loopback (the fixture
// server), a fresh store, and the harvest of one source from one to the other.
#ifndef TESTS_HARVESTER_HARVEST_FIXTURE_H_
#define TESTS_HARVESTER_HARVEST_FIXTURE_H_

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harvester/source_harvest.h"
#include "tests/support/fixture_server.h"
#include "tests/support/sqlite_probe.h"
#include "tests/support/temp_dir.h"

namespace testing_support {

using nlohmann::json;

// The path of a file under tests/fixtures/.
inline std::string fixture(const std::string& name) {
  return std::string(OAIPMH_SOURCE_DIR) + "/tests/fixtures/" + name;
}

// A response that sends a fixture file, with {{BASE}} and {{param:...}} filled in.
inline json file_response(const std::string& name, json extra = json::object()) {
  json response = {{"body_file", fixture(name)}, {"body_template", true}};
  response.update(extra);
  return response;
}

class HarvestTest : public ::testing::Test {
 protected:
  HarvestTest() : store_path_(dir_.file("store.sqlite")) {
    settings_.name = "fixture";
    settings_.http.user_agent = "oaipmh-test/1.0";
    settings_.http.from = "tests@example.org";
    settings_.http.connect_timeout_seconds = 5;
    settings_.http.low_speed_seconds = 2;
    settings_.http.low_speed_bytes = 100;
    settings_.http.total_timeout_seconds = 30;
    settings_.retry.max_attempts = 4;
    settings_.retry.base_delay_seconds = 0.05;
    settings_.retry.max_delay_seconds = 3;
  }

  // Adds a rule: requests whose parameters match `match` get `responses` in
  // turn. A vector, not a json: `{response}` as a json would be the response
  // itself for clang and an array of it for GCC.
  void on(json match, const std::vector<json>& responses) {
    json rule = json::object();
    rule["match"] = std::move(match);
    rule["responses"] = json(responses);
    rules_.push_back(std::move(rule));
  }

  // The usual repository around a test's list rules: Identify (seconds
  // granularity unless `identify` names another file), formats, no sets.
  void standard_repository(const std::string& identify = "harvest/identify-seconds.xml") {
    on({{"verb", "Identify"}}, {file_response(identify)});
    on({{"verb", "ListMetadataFormats"}}, {file_response("harvest/list-metadata-formats.xml")});
    on({{"verb", "ListSets"}}, {file_response("harvest/no-set-hierarchy.xml")});
  }

  // Writes the scenario and starts the server; settings_.base_url points at it.
  void start() {
    const auto scenario = dir_.file("scenario.json");
    std::ofstream(scenario) << json{{"rules", rules_}}.dump(2);
    server_ = std::make_unique<FixtureServer>(scenario, dir_.file("requests.jsonl"));
    settings_.base_url = server_->base_url();
  }

  harvester::SourceSummary harvest() {
    log_.clear();
    harvester::LogFunction log = [this](const std::string& level, const std::string& message) {
      log_.push_back(level + ": " + message);
    };
    harvester::ProgressFunction progress;
    return harvester::harvest_source(store_path_, settings_, log, progress);
  }

  // The parameters of every request the server received, in order.
  std::vector<json> requests() const {
    std::vector<json> all;
    for (const auto& line : server_->requests()) all.push_back(json::parse(line));
    return all;
  }

  // The requests with verb `verb`.
  std::vector<json> requests_for(const std::string& verb) const {
    std::vector<json> matching;
    for (auto& request : requests()) {
      if (request["params"].value("verb", json::array()).dump() == json::array({verb}).dump()) {
        matching.push_back(request);
      }
    }
    return matching;
  }

  std::string value(const std::string& sql) { return SqliteProbe(store_path_).value(sql); }
  std::vector<std::string> rows(const std::string& sql) {
    return SqliteProbe(store_path_).rows(sql);
  }
  long long count(const std::string& sql) { return std::stoll(value(sql)); }

  TempDir dir_;
  std::string store_path_;
  harvester::SourceSettings settings_;
  json rules_ = json::array();
  std::unique_ptr<FixtureServer> server_;
  std::vector<std::string> log_;
};

}  // namespace testing_support

#endif  // TESTS_HARVESTER_HARVEST_FIXTURE_H_
