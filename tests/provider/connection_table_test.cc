// The server's connection table without sockets: who is admitted at the
// limit, and which connection is closed to make room.
#include "provider/connection_table.h"

#include <gtest/gtest.h>

#include <vector>

namespace provider {
namespace {

using Entry = ConnectionTable::Entry;

// Admits `entry`; records whom the table asked to close.
struct Admitter {
  ConnectionTable& table;
  std::vector<Entry*> closed;
  bool operator()(Entry& entry) {
    return table.admit(entry, [this](Entry& victim) { closed.push_back(&victim); });
  }
};

TEST(ConnectionTable, AdmitsUpToTheLimitWithoutEviction) {
  ConnectionTable table(2, false);
  Admitter admit{table, {}};
  Entry a, b, c;
  EXPECT_TRUE(admit(a));
  EXPECT_TRUE(admit(b));
  EXPECT_TRUE(table.mark_idle(a));
  EXPECT_FALSE(admit(c)) << "eviction is off";
  EXPECT_TRUE(admit.closed.empty());
  EXPECT_EQ(table.forget(a), 1u);
  EXPECT_TRUE(admit(c));
  EXPECT_EQ(table.size(), 2u);
}

TEST(ConnectionTable, AtTheLimitTheConnectionIdleLongestIsClosed) {
  ConnectionTable table(3, true);
  Admitter admit{table, {}};
  Entry a, b, c, d;
  ASSERT_TRUE(admit(a) && admit(b) && admit(c));
  table.mark_idle(b);  // b idle first, then c, then a
  table.mark_idle(c);
  table.mark_idle(a);
  EXPECT_TRUE(admit(d));
  EXPECT_EQ(admit.closed, std::vector<Entry*>{&b});
  // The evicted one learns it at its next turn; it still counts as open.
  EXPECT_FALSE(table.mark_busy(b));
  EXPECT_FALSE(table.mark_idle(b));
  EXPECT_EQ(table.size(), 4u);
  EXPECT_EQ(table.forget(b), 3u);
}

TEST(ConnectionTable, BusyConnectionsAreNeverEvicted) {
  ConnectionTable table(2, true);
  Admitter admit{table, {}};
  Entry a, b, c;
  ASSERT_TRUE(admit(a) && admit(b));
  table.mark_idle(a);
  table.mark_idle(b);
  EXPECT_TRUE(table.mark_busy(a));  // a's request header arrived
  EXPECT_TRUE(table.mark_busy(b));
  EXPECT_FALSE(admit(c)) << "no idle connection to close";
  EXPECT_TRUE(admit.closed.empty());
  // Idle again after answering: evictable again, as the newest idle.
  table.mark_idle(b);
  table.mark_idle(a);
  EXPECT_TRUE(admit(c));
  EXPECT_EQ(admit.closed, std::vector<Entry*>{&b});
}

TEST(ConnectionTable, AFloodCannotEvictMoreThanHalfTheLimitAtOnce) {
  ConnectionTable table(4, true);
  Admitter admit{table, {}};
  std::vector<Entry> first(4);
  for (auto& entry : first) {
    ASSERT_TRUE(admit(entry));
    table.mark_idle(entry);
  }
  std::vector<Entry> flood(4);
  int admitted = 0;
  for (auto& entry : flood) {
    if (admit(entry)) {
      ++admitted;
      table.mark_idle(entry);
    }
  }
  // Two evictions pending (4 / 2): the third newcomer finds no room.
  EXPECT_EQ(admitted, 2);
  EXPECT_EQ(admit.closed.size(), 2u);
  EXPECT_EQ(table.size(), 6u) << "never more than 1.5 times the limit";
  // Once the evicted ones have closed, room again.
  for (Entry* closed : std::vector<Entry*>(admit.closed)) table.forget(*closed);
  EXPECT_TRUE(admit(flood[3]));
}

TEST(ConnectionTable, AfterStopAdmittingNobodyComesInAndForEachSeesAll) {
  ConnectionTable table(10, true);
  Admitter admit{table, {}};
  Entry a, b, c;
  ASSERT_TRUE(admit(a) && admit(b));
  table.stop_admitting();
  EXPECT_FALSE(admit(c));
  int seen = 0;
  table.for_each([&](Entry&) { ++seen; });
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(table.forget(a), 1u);
  EXPECT_EQ(table.forget(b), 0u);
}

}  // namespace
}  // namespace provider
