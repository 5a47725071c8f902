// PagePipeline: pages written in order on the writer thread, the good pages
// before a bad one kept, errors thrown to the submitting thread.
#include "harvester/page_pipeline.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/sqlite_probe.h"
#include "tests/support/temp_dir.h"

namespace {

using harvester::PagePipeline;
using store::HarvestedPage;
using store::Store;
using testing_support::SqliteProbe;
using testing_support::TempDir;

class PagePipelineTest : public ::testing::Test {
 protected:
  PagePipelineTest()
      : path_(dir_.file("store.sqlite")),
        store_(Store::open(path_)),
        source_(store_.upsert_source("demo", "http://example.org/oai")),
        list_(store_.open_list(source_, "oai_dc").id),
        run_(store_.begin_run(source_)) {}

  // Page `number` of a list of pages of two records each; the last one ends the list.
  HarvestedPage page(int number, bool last = false) const {
    HarvestedPage page;
    page.list_id = list_;
    page.run_id = run_;
    page.response_date = "2024-06-02T12:00:00Z";
    page.bytes = 1000;
    for (int i = 0; i < 2; ++i) {
      store::HarvestedRecord record;
      record.identifier = "oai:x:" + std::to_string(number * 2 + i);
      record.datestamp = "2024-05-01";
      record.metadata = "<dc>record " + record.identifier + "</dc>";
      record.dc = {{"title", "Record " + std::to_string(number * 2 + i), ""}};
      page.records.push_back(record);
    }
    if (last)
      page.next_from = "2024-06-02T12:00:00Z";
    else
      page.continue_at = store::Checkpoint{
          {}, {}, "2024-06-02T12:00:00Z", "t" + std::to_string(number + 1), number + 1};
    return page;
  }

  std::string count(const std::string& sql) { return SqliteProbe(path_).value(sql); }

  TempDir dir_;
  std::string path_;
  Store store_;
  std::int64_t source_;
  std::int64_t list_;
  std::int64_t run_;
};

TEST_F(PagePipelineTest, WritesEveryPageInOrder) {
  std::vector<std::string> written;
  {
    PagePipeline pipeline(
        store_,
        [&](const HarvestedPage& page, const store::PageCounts& counts) {
          written.push_back(page.records.front().identifier + " " + std::to_string(counts.created));
        },
        1 << 20);
    for (int i = 0; i < 20; ++i) pipeline.submit(page(i, i == 19));
    pipeline.drain();
  }
  ASSERT_EQ(written.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(written[i], "oai:x:" + std::to_string(i * 2) + " 2");
  EXPECT_EQ(count("SELECT count(*) FROM records"), "40");
  EXPECT_EQ(count("SELECT pages FROM harvest_runs"), "20");
  EXPECT_EQ(count("SELECT count(*) FROM checkpoints"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM dc_fts WHERE dc_fts MATCH 'record'"), "40");
}

TEST_F(PagePipelineTest, LeavingWritesWhatIsQueued) {
  {
    PagePipeline pipeline(store_, nullptr, 1 << 20);
    for (int i = 0; i < 5; ++i) pipeline.submit(page(i));
  }
  EXPECT_EQ(count("SELECT count(*) FROM records"), "10");
  EXPECT_EQ(count("SELECT resumption_token FROM checkpoints"), "t5");
}

TEST_F(PagePipelineTest, APageLargerThanTheLimitStillGoesThrough) {
  PagePipeline pipeline(store_, nullptr, 10);
  pipeline.submit(page(0));
  pipeline.submit(page(1));
  pipeline.drain();
  EXPECT_EQ(count("SELECT count(*) FROM records"), "4");
}

TEST_F(PagePipelineTest, AFailedPageKeepsThePagesBeforeItAndThrowsItsError) {
  PagePipeline pipeline(store_, nullptr, 1 << 20);
  pipeline.submit(page(0));
  pipeline.submit(page(1));
  HarvestedPage bad = page(2);
  bad.list_id = 999;  // no such list
  pipeline.submit(bad);
  // The error reaches the next call, whichever it is: the writer may have
  // failed before page 3 is submitted, or only after.
  EXPECT_THROW(
      {
        pipeline.submit(page(3));
        pipeline.drain();
      },
      store::StoreError);
  EXPECT_THROW(pipeline.drain(), store::StoreError);
  EXPECT_THROW(pipeline.submit(page(4)), store::StoreError);
  EXPECT_EQ(count("SELECT count(*) FROM records"), "4");
  EXPECT_EQ(count("SELECT resumption_token FROM checkpoints"), "t2");
}

}  // namespace
