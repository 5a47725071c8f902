// The loop guard of a list (HV-4), without a repository.
#include "harvester/loop_guard.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace harvester {
namespace {

std::vector<std::string> page(int first, int count) {
  std::vector<std::string> identifiers;
  for (int i = first; i < first + count; ++i) identifiers.push_back("oai:x:" + std::to_string(i));
  return identifiers;
}

TEST(LoopGuard, ARepeatedTokenStopsTheList_HV4) {
  LoopGuard guard(1000);
  EXPECT_EQ(guard.check_page(page(0, 10), "a"), "");
  EXPECT_EQ(guard.check_page(page(10, 10), "b"), "");
  EXPECT_NE(guard.check_page(page(20, 10), "a"), "");
}

TEST(LoopGuard, APageOfIdentifiersAllSeenStopsTheList_HV4) {
  LoopGuard guard(1000);
  EXPECT_EQ(guard.check_page(page(0, 5), "t1"), "");
  EXPECT_NE(guard.check_page(page(0, 5), "t2"), "");
}

TEST(LoopGuard, SmallPagesOrPartlyNewPagesGoOn) {
  LoopGuard guard(1000);
  EXPECT_EQ(guard.check_page(page(0, 2), "t1"), "");
  EXPECT_EQ(guard.check_page(page(0, 2), "t2"), "") << "two identifiers prove nothing";
  EXPECT_EQ(guard.check_page(page(0, 10), "t3"), "");
  EXPECT_EQ(guard.check_page(page(5, 10), "t4"), "") << "five of ten are new";
  EXPECT_EQ(guard.check_page({}, "t5"), "") << "an empty page with a token";
}

TEST(LoopGuard, ThePageLimitStopsTheList_HV4) {
  LoopGuard guard(3);
  EXPECT_EQ(guard.check_page(page(0, 1), "a"), "");
  EXPECT_EQ(guard.check_page(page(1, 1), "b"), "");
  EXPECT_NE(guard.check_page(page(2, 1), "c"), "");
}

TEST(LoopGuard, TwoHundredThousandDistinctIdentifiersNeverLookSeen) {
  LoopGuard guard(1'000'000);
  for (int start = 0; start < 200'000; start += 100) {
    ASSERT_EQ(guard.check_page(page(start, 100), "t" + std::to_string(start)), "") << start;
  }
}

TEST(LoopGuard, TheLastPageHasNoTokenAndIsNeverARepeat) {
  LoopGuard guard(10);
  EXPECT_EQ(guard.check_page(page(0, 3), ""), "");
  EXPECT_EQ(guard.check_page(page(3, 3), ""), "");
}

}  // namespace
}  // namespace harvester
