// Operations: /metrics (Prometheus text format 0.0.4) and /healthz of a real
// `oaipmh serve`, the switches that turn them off, the counting itself
// (provider::Metrics), and the server hook that reports 503s for
// max_in_flight (H-7), which needs a handler that blocks on purpose.
#include "provider/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "provider/http_server.h"
#include "tests/support/fixture_server.h"
#include "tests/support/http.h"
#include "tests/support/run_command.h"
#include "tests/support/serve_process.h"
#include "tests/support/temp_dir.h"

namespace {

using provider::Metrics;
using provider::VerbLabel;
using testing_support::FixtureServer;
using testing_support::http_request;
using testing_support::HttpResult;
using testing_support::run_command;
using testing_support::ServeProcess;
using testing_support::TempDir;

const std::string kOaipmh = OAIPMH_BINARY;
const std::string kFixtures = std::string(OAIPMH_SOURCE_DIR) + "/tests/fixtures";
const std::string kSeedIdentifier =
    "oai%3Atest.example.org%3Acsto%2Foai%3Aresearch.example.org%3Apublications%2F6b1f0c2e-csto-"
    "kyrgyzstan";

// "name{labels}" -> value, for every sample of an exposition text.
std::map<std::string, std::string> samples(const std::string& text) {
  std::map<std::string, std::string> result;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    result[line.substr(0, space)] = line.substr(space + 1);
  }
  return result;
}

std::string root_url(const ServeProcess& server, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(server.port()) + path;
}

// The sum of every oaipmh_requests_total series.
int requests_total(const std::map<std::string, std::string>& found) {
  int total = 0;
  for (const auto& [key, value] : found) {
    if (key.rfind("oaipmh_requests_total{", 0) == 0) total += std::stoi(value);
  }
  return total;
}

// The server counts a request after writing its response, on the thread of
// its connection, so a client can scrape before the counts of its last
// requests land: scrape until `requests` requests are counted (or 10 s
// pass), then return that scrape.
std::map<std::string, std::string> scrape_when_counted(const ServeProcess& server, int requests) {
  std::map<std::string, std::string> found;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    found = samples(http_request(root_url(server, "/metrics")).body);
    if (requests_total(found) >= requests) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return found;
}

// One store for every test: the seed record harvested (source "csto") from
// the fixture server, so that GetRecord and the lists serve a record.
class MetricsTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    store_ = dir_->file("store.sqlite");
    const std::string harvest = kFixtures + "/harvest/";
    std::string rules;
    for (const std::string verb : {"Identify", "ListMetadataFormats", "ListSets"}) {
      const std::string file = verb == "Identify"   ? "identify-seconds.xml"
                               : verb == "ListSets" ? "list-sets.xml"
                                                    : "list-metadata-formats.xml";
      rules += R"({"path": "/csto", "match": {"verb": ")" + verb +
               R"("}, "responses": [{"body_file": ")" + harvest + file +
               R"(", "body_template": true}]},)";
    }
    rules +=
        R"({"path": "/csto", "match": {"verb": "ListRecords"}, "responses": [{"body_file": ")" +
        kFixtures + R"(/seed/ListRecords-csto-kyrgyzstan.xml"}]})";
    std::ofstream(dir_->file("scenario.json")) << R"({"rules": [)" << rules << "]}";
    FixtureServer upstream(dir_->file("scenario.json"), dir_->file("requests.jsonl"));
    // The fixture's Identify declares another path as its baseURL: keep ours.
    std::ofstream(dir_->file("harvest.toml"))
        << "store = \"" << store_
        << "\"\n[harvest]\npoliteness_delay = 0\nuse_declared_base_url = false\n"
        << "[[source]]\nname = \"csto\"\nurl = \"" << upstream.base_url("/csto") << "\"\n";
    const auto result =
        run_command(kOaipmh + " harvest --quiet --config " + dir_->file("harvest.toml"));
    if (result.exit_status != 0)
      throw std::runtime_error("fixture harvest failed: " + result.output);
  }
  static void TearDownTestSuite() { delete dir_; }

 protected:
  static std::vector<std::string> serve_arguments() {
    return {"--store", store_, "--repository-identifier", "test.example.org"};
  }

  static TempDir* dir_;
  static std::string store_;
};

TempDir* MetricsTest::dir_ = nullptr;
std::string MetricsTest::store_;

TEST_F(MetricsTest, CountsRequestsByVerbAndStatus) {
  ServeProcess server(serve_arguments());
  const std::string oai = server.base_url() + "?";
  for (const std::string& query : std::vector<std::string>{
           "verb=Identify", "verb=Identify", "verb=ListRecords&metadataPrefix=oai_dc",
           "verb=ListIdentifiers&metadataPrefix=oai_dc",
           "verb=GetRecord&metadataPrefix=oai_dc&identifier=" + kSeedIdentifier, "", "verb=Nope",
           "verb=Identify&verb=Identify", "verb=%ZZ"}) {
    ASSERT_EQ(http_request(oai + query).status, 200) << query;
  }
  const std::string form = "verb=Identify";
  EXPECT_EQ(
      http_request(server.base_url(), {"Content-Type: application/x-www-form-urlencoded"}, &form)
          .status,
      200);
  EXPECT_EQ(http_request(server.base_url(), {"Content-Type: text/plain"}, &form).status, 415);
  const auto list_records = http_request(oai + "verb=ListRecords&metadataPrefix=oai_dc");
  // Requests outside the endpoint are not counted.
  EXPECT_EQ(http_request(root_url(server, "/elsewhere")).status, 404);
  EXPECT_EQ(http_request(root_url(server, "/healthz")).status, 200);
  EXPECT_EQ(http_request(root_url(server, "/metrics"), {}, &form).status, 405);

  auto found = scrape_when_counted(server, 12);
  EXPECT_EQ(requests_total(found), 12);
  EXPECT_EQ(found[R"(oaipmh_requests_total{verb="ListRecords",status="200"})"], "2");
  EXPECT_EQ(found[R"(oaipmh_requests_total{verb="Identify",status="200"})"], "3");
  EXPECT_EQ(found[R"(oaipmh_requests_total{verb="Identify",status="415"})"], "1");
  EXPECT_EQ(found[R"(oaipmh_requests_total{verb="ListIdentifiers",status="200"})"], "1");
  EXPECT_EQ(found[R"(oaipmh_requests_total{verb="GetRecord",status="200"})"], "1");
  EXPECT_EQ(found[R"(oaipmh_requests_total{verb="none",status="200"})"], "1");
  EXPECT_EQ(found[R"(oaipmh_requests_total{verb="invalid",status="200"})"], "3");
  EXPECT_EQ(found[R"(oaipmh_request_duration_seconds_count{verb="Identify"})"], "4");
  EXPECT_EQ(found[R"(oaipmh_request_duration_seconds_bucket{verb="Identify",le="+Inf"})"], "4");
  EXPECT_GT(std::stod(found[R"(oaipmh_request_duration_seconds_sum{verb="Identify"})"]), 0.0);
  EXPECT_EQ(found[R"(oaipmh_request_duration_seconds_count{verb="ListRecords"})"], "2");
  EXPECT_EQ(found[R"(oaipmh_response_bytes_total{verb="ListRecords"})"],
            std::to_string(2 * list_records.body.size()));
  EXPECT_EQ(found[R"(oaipmh_records_served_total{verb="ListRecords"})"], "2");
  EXPECT_EQ(found[R"(oaipmh_records_served_total{verb="ListIdentifiers"})"], "1");
  EXPECT_EQ(found[R"(oaipmh_records_served_total{verb="GetRecord"})"], "1");
  EXPECT_EQ(found["oaipmh_requests_in_flight"], "0");
  EXPECT_EQ(found["oaipmh_overload_rejections_total"], "0");
}

TEST_F(MetricsTest, MetricsTextIsPrometheusFormat) {
  ServeProcess server(serve_arguments());
  http_request(server.base_url() + "?verb=ListRecords&metadataPrefix=oai_dc");
  http_request(server.base_url() + "?verb=Identify");
  scrape_when_counted(server, 2);
  const auto result = http_request(root_url(server, "/metrics"));
  ASSERT_EQ(result.status, 200);
  EXPECT_EQ(result.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(result.header("Cache-Control"), "no-store");
  ASSERT_FALSE(result.body.empty());
  EXPECT_EQ(result.body.back(), '\n');
  const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*)");
  const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")*\})? ([0-9]+(\.[0-9]+)?(e-?[0-9]+)?))");
  std::map<std::string, std::string> types;
  std::istringstream lines(result.body);
  int sample_lines = 0;
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (std::regex_match(line, match, help)) continue;
    if (std::regex_match(line, match, type)) {
      EXPECT_TRUE(types.emplace(match[1], match[2]).second) << "TYPE twice: " << line;
      continue;
    }
    ASSERT_TRUE(std::regex_match(line, match, sample)) << "not a sample: " << line;
    ++sample_lines;
    std::string family = match[1];
    if (!types.count(family))
      family = std::regex_replace(family, std::regex("_(bucket|sum|count)$"), "");
    EXPECT_TRUE(types.count(family)) << "sample before its # TYPE: " << line;
  }
  EXPECT_GT(sample_lines, 20);
  for (const std::string family :
       {"oaipmh_requests_total", "oaipmh_response_bytes_total", "oaipmh_records_served_total",
        "oaipmh_overload_rejections_total"}) {
    EXPECT_EQ(types[family], "counter") << family;
  }
  EXPECT_EQ(types["oaipmh_request_duration_seconds"], "histogram");
  EXPECT_EQ(types["oaipmh_requests_in_flight"], "gauge");
}

TEST_F(MetricsTest, HealthzIsOkOnlyWhileTheStoreCanBeRead) {
  TempDir dir;
  const auto store = dir.file("empty.sqlite");
  ASSERT_EQ(run_command(kOaipmh + " init --store " + store).exit_status, 0);
  ServeProcess server({"--store", store});
  auto result = http_request(root_url(server, "/healthz"));
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "ok\n");
  EXPECT_EQ(result.header("Content-Type"), "text/plain; charset=UTF-8");
  std::filesystem::rename(store, store + ".away");
  result = http_request(root_url(server, "/healthz"));
  EXPECT_EQ(result.status, 503);
  EXPECT_EQ(result.body.find(store), std::string::npos) << "paths stay in the log";
  std::filesystem::rename(store + ".away", store);
  EXPECT_EQ(http_request(root_url(server, "/healthz")).status, 200);
}

TEST_F(MetricsTest, FlagsTurnBothOff) {
  ServeProcess server({"--store", store_, "--no-metrics", "--no-healthz"});
  EXPECT_EQ(http_request(root_url(server, "/metrics")).status, 404);
  EXPECT_EQ(http_request(root_url(server, "/healthz")).status, 404);
  EXPECT_EQ(http_request(server.base_url() + "?verb=Identify").status, 200);
  ServeProcess only_health({"--store", store_, "--no-metrics"});
  EXPECT_EQ(http_request(root_url(only_health, "/metrics")).status, 404);
  EXPECT_EQ(http_request(root_url(only_health, "/healthz")).status, 200);
}

TEST_F(MetricsTest, ConfigurationTurnsBothOff) {
  TempDir dir;
  const auto config = dir.file("oaipmh.toml");
  std::ofstream(config) << "store = \"" << store_
                        << "\"\n[provider]\nmetrics = false\nhealthz = false\n";
  ServeProcess server({"--config", config});
  EXPECT_EQ(http_request(root_url(server, "/metrics")).status, 404);
  EXPECT_EQ(http_request(root_url(server, "/healthz")).status, 404);
  std::ofstream(config) << "store = \"" << store_ << "\"\n[provider]\nmetrics = \"no\"\n";
  const auto refused = run_command(kOaipmh + " serve --listen 127.0.0.1:0 --config " + config);
  EXPECT_EQ(refused.exit_status, 2);
  EXPECT_NE(refused.output.find("'metrics' must be true or false"), std::string::npos)
      << refused.output;
}

TEST_F(MetricsTest, BaseUrlOnAReservedPathIsRefused) {
  for (const std::string path : {"/metrics", "/healthz"}) {
    const auto result = run_command(kOaipmh + " serve --listen 127.0.0.1:0 --store " + store_ +
                                    " --base-url http://oai.example.org" + path);
    EXPECT_EQ(result.exit_status, 2) << result.output;
    EXPECT_NE(result.output.find("the base URL's path " + path + " is where oaipmh serve answers"),
              std::string::npos)
        << result.output;
  }
  // Turned off, the path is free for the endpoint.
  ServeProcess server(
      {"--store", store_, "--no-metrics", "--base-url", "http://oai.example.org/metrics"});
  const auto result = http_request(root_url(server, "/metrics?verb=Identify"));
  EXPECT_EQ(result.status, 200);
  EXPECT_NE(result.body.find("<Identify>"), std::string::npos);
}

// ---- The counting itself.

TEST(VerbLabel, NamesTheVerbOrSaysWhyNot_H4) {
  EXPECT_EQ(VerbLabel::of_form("verb=ListRecords&metadataPrefix=oai_dc").name(), "ListRecords");
  EXPECT_EQ(VerbLabel::of_form("verb=GetRecord").name(), "GetRecord");
  EXPECT_EQ(VerbLabel::of_form("").name(), "none");
  EXPECT_EQ(VerbLabel::of_form("metadataPrefix=oai_dc").name(), "none");
  EXPECT_EQ(VerbLabel::of_form("verb=listrecords").name(), "invalid");
  EXPECT_EQ(VerbLabel::of_form("verb=Identify&verb=Identify").name(), "invalid");
  EXPECT_EQ(VerbLabel::of_form("verb=%ZZ").name(), "invalid");
  EXPECT_EQ(VerbLabel::of_form("verb=Id%65ntify").name(), "Identify");
}

TEST(Metrics, DurationsFallInTheFirstBucketThatHoldsThem) {
  Metrics metrics;
  metrics.count_request(VerbLabel::of_form("verb=Identify"), 200, 10, 0.001);  // le is inclusive
  metrics.count_request(VerbLabel::of_form("verb=Identify"), 200, 10, 0.003);
  metrics.count_request(VerbLabel::of_form("verb=Identify"), 200, 10, 30);
  auto found = samples(metrics.render(0));
  EXPECT_EQ(found[R"(oaipmh_request_duration_seconds_bucket{verb="Identify",le="0.001"})"], "1");
  EXPECT_EQ(found[R"(oaipmh_request_duration_seconds_bucket{verb="Identify",le="0.0025"})"], "1");
  EXPECT_EQ(found[R"(oaipmh_request_duration_seconds_bucket{verb="Identify",le="0.005"})"], "2");
  EXPECT_EQ(found[R"(oaipmh_request_duration_seconds_bucket{verb="Identify",le="10"})"], "2");
  EXPECT_EQ(found[R"(oaipmh_request_duration_seconds_bucket{verb="Identify",le="+Inf"})"], "3");
  EXPECT_EQ(found[R"(oaipmh_request_duration_seconds_count{verb="Identify"})"], "3");
  EXPECT_NEAR(std::stod(found[R"(oaipmh_request_duration_seconds_sum{verb="Identify"})"]), 30.004,
              1e-6);
  EXPECT_EQ(found[R"(oaipmh_response_bytes_total{verb="Identify"})"], "30");
  EXPECT_EQ(found.count(R"(oaipmh_request_duration_seconds_count{verb="ListSets"})"), 0u);
}

TEST(Metrics, StartsAtZeroAndCountsFromManyThreads) {
  Metrics metrics;
  auto found = samples(metrics.render(3));
  EXPECT_EQ(found[R"(oaipmh_records_served_total{verb="ListRecords"})"], "0");
  EXPECT_EQ(found["oaipmh_overload_rejections_total"], "0");
  EXPECT_EQ(found["oaipmh_requests_in_flight"], "3");
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&metrics] {
      for (int i = 0; i < 1000; ++i) {
        metrics.count_request(VerbLabel::of_form("verb=ListRecords"), 200, 2, 0.01);
        metrics.count_records(VerbLabel::of_form("verb=ListRecords"), 100);
        metrics.count_overload();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  metrics.count_request(VerbLabel::none(), 999, 0, 0);  // out of range: counted as 500
  found = samples(metrics.render(0));
  EXPECT_EQ(found[R"(oaipmh_requests_total{verb="ListRecords",status="200"})"], "8000");
  EXPECT_EQ(found[R"(oaipmh_response_bytes_total{verb="ListRecords"})"], "16000");
  EXPECT_EQ(found[R"(oaipmh_records_served_total{verb="ListRecords"})"], "800000");
  EXPECT_EQ(found["oaipmh_overload_rejections_total"], "8000");
  EXPECT_EQ(found[R"(oaipmh_requests_total{verb="none",status="500"})"], "1");
}

// The server reports the 503s it sends for max_in_flight (H-7): one request
// is held in the handler, so the next must be refused, every time.
TEST(ExchangeObserver, SeesOverloadRejections_H7) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  provider::ServerLimits limits;
  limits.max_in_flight = 1;
  limits.handler_threads = 2;
  provider::HttpServer server(
      "127.0.0.1", 0, limits,
      [&](const provider::HttpRequest&) {
        entered.set_value();
        released.wait();
        return provider::HttpResponse{};
      },
      nullptr);
  Metrics metrics;
  std::mutex mutex;
  std::vector<std::pair<int, bool>> seen;  // status, overloaded
  server.set_exchange_observer([&](const provider::ExchangeSummary& exchange) {
    if (exchange.overloaded) metrics.count_overload();
    std::lock_guard lock(mutex);
    seen.emplace_back(exchange.status, exchange.overloaded);
  });
  std::thread runner([&server] { server.run(false); });
  const std::string url =
      "http://127.0.0.1:" + std::to_string(server.port()) + "/oai?verb=Identify";
  auto held = std::async(std::launch::async, [&url] { return http_request(url); });
  entered.get_future().wait();
  EXPECT_EQ(server.in_flight(), 1u);
  const auto refused = http_request(url);
  EXPECT_EQ(refused.status, 503);
  EXPECT_FALSE(refused.header("Retry-After").empty());
  release.set_value();
  EXPECT_EQ(held.get().status, 200);
  server.stop();
  runner.join();
  EXPECT_EQ(server.in_flight(), 0u);
  EXPECT_EQ(samples(metrics.render(0))["oaipmh_overload_rejections_total"], "1");
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::pair<int, bool>>{{200, false}, {503, true}}));
}

}  // namespace
