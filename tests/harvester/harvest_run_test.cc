// Whole harvests over loopback: full harvests that find deletions, the page
// limit, and several sources at once.
#include "harvester/harvest_run.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/harvester/harvest_fixture.h"
#include "tests/support/page_chain.h"

namespace {

using testing_support::chain_identifier;
using testing_support::file_response;
using testing_support::HarvestTest;
using testing_support::json;
using testing_support::write_page_chain;

class HarvestRunTest : public HarvestTest {
 protected:
  // A repository (Identify from `identify`) serving a chain of `pages` pages
  // of `per_page` records; replaces any server started before.
  void serve_chain(const std::string& identify, int pages, int per_page) {
    rules_ = json::array();
    standard_repository(identify);
    const auto chain_dir = dir_.path() / ("chain-" + std::to_string(++chains_));
    std::filesystem::create_directories(chain_dir);
    for (auto& rule : write_page_chain(chain_dir.string(), pages, per_page)) rules_.push_back(rule);
    server_.reset();
    start();
  }

  int chains_ = 0;
};

TEST_F(HarvestRunTest, FullHarvestTombstonesRecordsNoLongerServed_HV11) {
  serve_chain("harvest/identify-day.xml", 2, 10);  // deletedRecord "no"
  ASSERT_TRUE(harvest().ok);
  EXPECT_EQ(count("SELECT count(*) FROM records WHERE deleted"), 2);

  serve_chain("harvest/identify-day.xml", 1, 10);  // records 10..19 are gone
  ASSERT_TRUE(harvest().ok);
  EXPECT_EQ(count("SELECT count(*) FROM records WHERE deleted"), 2)
      << "an incremental harvest cannot see deletions";

  settings_.full = true;
  const auto summary = harvest();
  ASSERT_TRUE(summary.ok) << summary.error;
  EXPECT_EQ(summary.counts.deleted, 9);  // 10..18 were live, 19 was deleted already
  EXPECT_EQ(count("SELECT count(*) FROM records WHERE deleted"), 11);
  EXPECT_EQ(value("SELECT deleted FROM records WHERE upstream_identifier = '" +
                  chain_identifier(12) + "'"),
            "1");
  EXPECT_EQ(value("SELECT deleted FROM records WHERE upstream_identifier = '" +
                  chain_identifier(3) + "'"),
            "0");
  EXPECT_EQ(count("SELECT count(*) FROM sweeps"), 0);
  // The full harvest asked for everything: no from (HV-11).
  const auto lists = requests_for("ListRecords");
  EXPECT_FALSE(lists.back()["params"].contains("from"));
}

TEST_F(HarvestRunTest, FullHarvestOfPersistentSourceTrustsItsDeletions_DR3) {
  serve_chain("harvest/identify-seconds.xml", 2, 10);  // deletedRecord "persistent"
  ASSERT_TRUE(harvest().ok);
  serve_chain("harvest/identify-seconds.xml", 1, 10);
  settings_.full = true;
  ASSERT_TRUE(harvest().ok);
  EXPECT_EQ(count("SELECT count(*) FROM records WHERE deleted"), 2);
}

TEST_F(HarvestRunTest, PageLimitEndsTheList_HV4) {
  settings_.max_pages = 2;
  serve_chain("harvest/identify-seconds.xml", 3, 5);
  const auto summary = harvest();
  EXPECT_FALSE(summary.ok);
  EXPECT_NE(summary.error.find("page limit (2 pages)"), std::string::npos) << summary.error;
  EXPECT_EQ(requests_for("ListRecords").size(), 2u);
}

TEST_F(HarvestRunTest, SourcesOfOneHostNeverRunAtOnce) {
  standard_repository();
  for (const std::string name : {"a", "b"}) {
    const auto chain_dir = dir_.path() / name;
    std::filesystem::create_directories(chain_dir);
    for (auto rule : write_page_chain(chain_dir.string(), 4, 5, 0.05)) {
      rule["path"] = "/" + name + "/oai";
      rules_.push_back(rule);
    }
  }
  start();
  std::vector<harvester::SourceSettings> sources;
  for (const std::string name : {"a", "b"}) {
    auto source = settings_;
    source.name = name;
    source.base_url = server_->base_url("/" + name + "/oai");
    source.use_declared_base_url = false;
    sources.push_back(source);
  }
  harvester::LogFunction log = [](const std::string&, const std::string&) {};
  const auto summaries = harvester::harvest_sources(store_path_, sources, 2, log, {});
  ASSERT_TRUE(summaries[0].ok) << summaries[0].error;
  ASSERT_TRUE(summaries[1].ok) << summaries[1].error;
  // One source's requests all come before the other's.
  std::string order;
  for (const auto& request : requests()) {
    const char source = request["path"].get<std::string>()[1];
    if (order.empty() || order.back() != source) order += source;
  }
  EXPECT_EQ(order.size(), 2u) << "requests of the two sources interleaved: " << order;
  EXPECT_EQ(count("SELECT count(*) FROM records"), 40);
}

TEST(HostOf, NamesHostAndPort) {
  EXPECT_EQ(harvester::host_of("https://Export.arXiv.org/oai2"), "export.arxiv.org");
  EXPECT_EQ(harvester::host_of("http://127.0.0.1:8080/oai"), "127.0.0.1:8080");
  EXPECT_EQ(harvester::host_of("not a url"), "not a url");
}

}  // namespace
