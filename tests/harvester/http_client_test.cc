// The harvester's HTTP client and its limits, in the test process, against
// the fixture server on 127.0.0.1 (tests/fixture_server).
#include "harvester/http_client.h"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/fixture_server.h"
#include "tests/support/temp_dir.h"

namespace harvester {
namespace {

using json = nlohmann::json;
using testing_support::FixtureServer;
using testing_support::TempDir;

class HttpClientTest : public ::testing::Test {
 protected:
  // Serves one response at /oai (a json object of the fixture server's
  // scenario format) and a redirect chain at /hop/N.
  void serve(const json& response) {
    json rules = json::array();
    json rule = json::object();
    rule["path"] = "/oai";
    rule["match"] = json::object();
    rule["responses"] = json::array({response});
    rules.push_back(rule);
    for (int hop = 0; hop < 8; ++hop) {
      json redirect = json::object();
      redirect["path"] = "/hop/" + std::to_string(hop);
      redirect["match"] = json::object();
      json moved = json::object();
      moved["status"] = 302;
      moved["headers"] = json::object({{"Location", "/hop/" + std::to_string(hop + 1)}});
      redirect["responses"] = json::array({moved});
      rules.push_back(redirect);
    }
    json scenario = json::object();
    scenario["rules"] = rules;
    std::ofstream(dir_.file("scenario.json")) << scenario.dump();
    server_ = std::make_unique<FixtureServer>(dir_.file("scenario.json"), dir_.file("log.jsonl"));
  }

  HttpOptions options() const {
    HttpOptions options;
    options.user_agent = "oaipmh-test";
    options.connect_timeout_seconds = 5;
    options.low_speed_bytes = 100;
    options.low_speed_seconds = 1;
    options.total_timeout_seconds = 10;
    options.max_redirects = 3;
    options.max_response_bytes = 1 << 20;
    return options;
  }

  // The TransportError `get` throws for `url`; fails the test if none.
  std::optional<TransportError> failure(const std::string& url, HttpOptions settings) {
    HttpClient client(std::move(settings));
    try {
      client.get(url);
    } catch (const TransportError& error) {
      return error;
    }
    ADD_FAILURE() << url << " gave a response";
    return std::nullopt;
  }

  TempDir dir_;
  std::unique_ptr<FixtureServer> server_;
};

TEST_F(HttpClientTest, AResponseIsReadAndDecodedWithItsHeaders_HV9) {
  serve({{"body", std::string(5000, 'x')},
         {"encoding", "gzip"},
         {"headers", {{"Retry-After", "7"}, {"Content-Type", "text/xml; charset=ISO-8859-1"}}}});
  HttpClient client(options());
  const auto response = client.get(server_->base_url());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, std::string(5000, 'x'));
  EXPECT_LT(response.wire_bytes, 1000u) << "gzip was not asked for";
  EXPECT_EQ(response.retry_after, "7");
  EXPECT_EQ(charset_of(response.content_type), "ISO-8859-1");
}

TEST_F(HttpClientTest, ABodyOverTheLimitIsRefusedAndNotRetried) {
  serve({{"body", std::string(3 << 20, 'x')}});
  const auto error = failure(server_->base_url(), options());
  ASSERT_TRUE(error.has_value());
  EXPECT_FALSE(error->retryable()) << error->what();
}

TEST_F(HttpClientTest, AGzipBombIsStoppedAtTheLimit) {
  serve({{"body", std::string(8 << 20, '\0')}, {"encoding", "gzip"}});
  const auto error = failure(server_->base_url(), options());
  ASSERT_TRUE(error.has_value());
  EXPECT_FALSE(error->retryable()) << error->what();
}

TEST_F(HttpClientTest, RedirectsAreFollowedUpToTheLimit_HV8) {
  serve({{"body", "ok"}});
  auto settings = options();
  settings.max_redirects = 3;
  const auto error = failure(server_->base_url("/hop/0"), settings);
  ASSERT_TRUE(error.has_value());
  settings.max_redirects = 10;
  HttpClient client(settings);
  EXPECT_EQ(client.get(server_->base_url("/hop/6")).status, 404);  // /hop/8 answers nothing
}

TEST_F(HttpClientTest, OnlyHttpAndHttpsAreFetched) {
  serve({{"status", 302}, {"headers", {{"Location", "file:///etc/passwd"}}}});
  const auto redirected = failure(server_->base_url(), options());
  ASSERT_TRUE(redirected.has_value());
  EXPECT_FALSE(redirected->retryable());
  const auto direct = failure("file:///etc/passwd", options());
  ASSERT_TRUE(direct.has_value());
  EXPECT_FALSE(direct->retryable());
}

TEST_F(HttpClientTest, ARefusedConnectionAndATrickleAreWorthRetrying_HV7) {
  const auto refused = failure("http://127.0.0.1:1/oai", options());
  ASSERT_TRUE(refused.has_value());
  EXPECT_TRUE(refused->retryable());
  serve({{"body", std::string(200, 'x')}, {"action", "trickle"}, {"trickle_interval", 0.5}});
  const auto trickle = failure(server_->base_url(), options());
  ASSERT_TRUE(trickle.has_value());
  EXPECT_TRUE(trickle->retryable()) << trickle->what();
}

TEST(UrlEncode, EverythingButUnreservedCharacters_HV4) {
  EXPECT_EQ(url_encode("a-Z_0.~"), "a-Z_0.~");
  EXPECT_EQ(url_encode("a b+c&d/e%f:g"), "a%20b%2Bc%26d%2Fe%25f%3Ag");
  EXPECT_EQ(url_encode("\xC3\xA9"), "%C3%A9");
}

}  // namespace
}  // namespace harvester
