// What `oaipmh serve` answers at each path, without a socket: the site of
// provider/site.h over a store in a temporary file.
#include "provider/site.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "provider/provider_error.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace provider {
namespace {

using testing_support::TempDir;

class SiteTest : public ::testing::Test {
 protected:
  SiteTest() : store_(dir_.file("store.sqlite")) { store::Store::open(store_); }

  // A started site; `metrics` and `healthz` as serve's settings give them.
  std::unique_ptr<Site> site(bool metrics = true, bool healthz = true) {
    auto made = std::make_unique<Site>(SiteSettings{store_, "/oai", metrics, healthz});
    ProviderSettings settings;
    settings.base_url = "http://127.0.0.1:8080/oai";
    made->start(
        std::make_unique<OaiHandler>(settings, TokenCodec("0123456789abcdef0123456789abcdef"),
                                     [] { return std::int64_t{1'796'000'000}; }),
        [] { return std::size_t{3}; });
    return made;
  }

  static HttpRequest request(std::string method, std::string path, std::string query = "") {
    HttpRequest request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.query = std::move(query);
    return request;
  }

  TempDir dir_;
  std::string store_;
};

TEST_F(SiteTest, OaiPathAnswersOaiPmhForGetAndPost_H1_H2) {
  const auto site = this->site();
  const auto get = site->answer(request("GET", "/oai", "verb=Identify"));
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.content_type, "text/xml; charset=UTF-8");
  EXPECT_NE(get.body.find("<Identify>"), std::string::npos) << get.body;
  EXPECT_EQ(get.log_detail, "verb=Identify");
  auto post = request("POST", "/oai");
  post.body = "verb=Identify";
  post.content_type = "application/x-www-form-urlencoded; charset=UTF-8";
  EXPECT_NE(site->answer(post).body.find("<Identify>"), std::string::npos);
}

TEST_F(SiteTest, PostWithoutFormContentTypeIs415_H2) {
  auto post = request("POST", "/oai");
  post.body = "verb=Identify";
  post.content_type = "text/plain";
  EXPECT_EQ(site()->answer(post).status, 415);
}

TEST_F(SiteTest, UndecodableArgumentsAreBadArgument_H3) {
  const auto response = site()->answer(request("GET", "/oai", "verb=%ZZ"));
  EXPECT_EQ(response.status, 200);  // an OAI-PMH error, not an HTTP one (H-7)
  EXPECT_NE(response.body.find("code=\"badArgument\""), std::string::npos) << response.body;
}

TEST_F(SiteTest, OtherPathsAre404NamingTheEndpoint) {
  const auto response = site()->answer(request("GET", "/"));
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(response.body.find("The OAI-PMH endpoint is /oai"), std::string::npos);
  EXPECT_EQ(site(false, false)->answer(request("GET", "/metrics")).status, 404);
  EXPECT_EQ(site(false, false)->answer(request("GET", "/healthz")).status, 404);
}

TEST_F(SiteTest, MetricsAndHealthzAnswerGetOnly) {
  const auto site = this->site();
  for (const std::string path : {"/metrics", "/healthz"}) {
    const auto response = site->answer(request("POST", path));
    EXPECT_EQ(response.status, 405) << path;
    ASSERT_EQ(response.headers.size(), 1u);
    EXPECT_EQ(response.headers[0].first, "Allow");
    EXPECT_EQ(response.headers[0].second, "GET, HEAD");
  }
}

TEST_F(SiteTest, MetricsCountTheOaiEndpointOnlyAndLeaveTheScrapeOut) {
  const auto site = this->site();
  const auto identify = request("GET", "/oai", "verb=Identify");
  site->answer(identify);
  site->observe({"/oai", &identify, 200, 1000, 0.002, false});
  const auto scrape = request("GET", "/metrics");
  site->observe({"/metrics", &scrape, 200, 10, 0.001, false});
  site->observe({"/oai", nullptr, 503, 0, 0.0, true});
  const auto metrics = site->answer(scrape);
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  const auto& text = metrics.body;
  EXPECT_NE(text.find("oaipmh_requests_total{verb=\"Identify\",status=\"200\"} 1"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("verb=\"none\",status=\"200\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("oaipmh_overload_rejections_total 1"), std::string::npos) << text;
  // Three in flight, the scrape among them: two.
  EXPECT_NE(text.find("oaipmh_requests_in_flight 2"), std::string::npos) << text;
}

TEST_F(SiteTest, HealthzSaysWhetherTheStoreCanBeRead) {
  const auto site = this->site();
  const auto healthy = site->answer(request("GET", "/healthz"));
  EXPECT_EQ(healthy.status, 200);
  EXPECT_EQ(healthy.body, "ok\n");
  std::filesystem::remove(store_);
  const auto sick = site->answer(request("GET", "/healthz"));
  EXPECT_EQ(sick.status, 503);
  EXPECT_EQ(sick.body.find(store_), std::string::npos) << "a path reached the client";
  EXPECT_NE(sick.log_detail.find("healthz: "), std::string::npos);
}

TEST(OaiPathFor, TakesTheBaseUrlsPathAndRefusesReservedOnes_H9) {
  EXPECT_EQ(oai_path_for("", true, true), "/oai");
  EXPECT_EQ(oai_path_for("https://oai.example.org/repository/oai", true, true), "/repository/oai");
  EXPECT_EQ(oai_path_for("http://oai.example.org", true, true), "/");
  EXPECT_THROW(oai_path_for("http://h/metrics", true, false), ProviderError);
  EXPECT_THROW(oai_path_for("http://h/healthz", false, true), ProviderError);
  EXPECT_EQ(oai_path_for("http://h/metrics", false, true), "/metrics");
  EXPECT_THROW(oai_path_for("ftp://h/oai", true, true), ProviderError);
  EXPECT_THROW(oai_path_for("oai.example.org/oai", true, true), ProviderError);
}

}  // namespace
}  // namespace provider
