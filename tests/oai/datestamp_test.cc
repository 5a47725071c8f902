#include "oai/datestamp.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace oai {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kYear0000 = -62167219200;  // 0000-01-01T00:00:00Z
constexpr std::int64_t kLastSecondOf9999 = 253402300799;

Datestamp parsed(std::string_view text) {
  const std::optional<Datestamp> value = Datestamp::parse(text);
  EXPECT_TRUE(value.has_value()) << text;
  return value.value_or(Datestamp::from_unix_seconds(0));
}

TEST(Granularity, LiteralsAreTheIdentifyForms_D3) {
  EXPECT_EQ(to_string(Granularity::kDay), "YYYY-MM-DD");
  EXPECT_EQ(to_string(Granularity::kSeconds), "YYYY-MM-DDThh:mm:ssZ");
}

TEST(Granularity, ParsesOnlyTheTwoLiterals_D3) {
  EXPECT_EQ(parse_granularity("YYYY-MM-DD"), Granularity::kDay);
  EXPECT_EQ(parse_granularity("YYYY-MM-DDThh:mm:ssZ"), Granularity::kSeconds);
  for (const char* bad :
       {"", "yyyy-mm-dd", "YYYY-MM-DDThh:mm:ss", "YYYY-MM-DDThh:mm:ssz", " YYYY-MM-DD",
        "YYYY-MM-DD ", "YYYY-MM", "YYYY", "day", "seconds", "YYYY-MM-DDThh:mm:ss.sZ"}) {
    EXPECT_EQ(parse_granularity(bad), std::nullopt) << bad;
  }
}

TEST(Granularity, LiteralRoundTrips_D3) {
  for (Granularity g : {Granularity::kDay, Granularity::kSeconds}) {
    EXPECT_EQ(parse_granularity(to_string(g)), g);
  }
}

TEST(Datestamp, ParsesDayForm_D1) {
  const Datestamp d = parsed("2024-01-01");
  EXPECT_EQ(d.granularity(), Granularity::kDay);
  EXPECT_EQ(d.unix_seconds(), 1704067200);
}

TEST(Datestamp, ParsesSecondsForm_D1) {
  const Datestamp d = parsed("2024-02-29T12:34:56Z");
  EXPECT_EQ(d.granularity(), Granularity::kSeconds);
  EXPECT_EQ(d.unix_seconds(), 1709210096);
}

TEST(Datestamp, ParsesKnownInstants_D1) {
  EXPECT_EQ(parsed("1970-01-01").unix_seconds(), 0);
  EXPECT_EQ(parsed("1970-01-01T00:00:00Z").unix_seconds(), 0);
  EXPECT_EQ(parsed("1969-12-31T23:59:59Z").unix_seconds(), -1);
  EXPECT_EQ(parsed("2000-02-29").unix_seconds(), 951782400);
  EXPECT_EQ(parsed("1900-03-01").unix_seconds(), -2203891200);
  EXPECT_EQ(parsed("0000-01-01").unix_seconds(), kYear0000);
  EXPECT_EQ(parsed("9999-12-31T23:59:59Z").unix_seconds(), kLastSecondOf9999);
}

TEST(Datestamp, RejectsTheChecklistExamples_D7) {
  for (const char* bad : {"2024-02-30", "2024-1-1", "2024-01-01T10:00Z",
                          "2024-01-01T10:00:00+01:00", "2024-01-01T10:00:00.5Z", "2024-01"}) {
    EXPECT_EQ(Datestamp::parse(bad), std::nullopt) << bad;
  }
}

TEST(Datestamp, RejectsOffsets_D7) {
  for (const char* bad :
       {"2024-01-01Z", "2024-01-01+00:00", "2024-01-01T10:00:00+00:00", "2024-01-01T10:00:00-05:00",
        "2024-01-01T10:00:00", "2024-01-01T10:00:00+0100", "2024-01-01T10:00:00UTC"}) {
    EXPECT_EQ(Datestamp::parse(bad), std::nullopt) << bad;
  }
}

TEST(Datestamp, RejectsFractionalSeconds_D1) {
  for (const char* bad : {"2024-01-01T10:00:00.5Z", "2024-01-01T10:00:00.000Z",
                          "2024-01-01T10:00:00,5Z", "2024-01-01T10:00:00.Z"}) {
    EXPECT_EQ(Datestamp::parse(bad), std::nullopt) << bad;
  }
}

TEST(Datestamp, RejectsReducedPrecision_D1) {
  for (const char* bad : {"2024", "2024-01", "2024-01-01T10", "2024-01-01T10Z", "202401",
                          "20240101", "20240101T100000Z"}) {
    EXPECT_EQ(Datestamp::parse(bad), std::nullopt) << bad;
  }
}

TEST(Datestamp, RejectsMissingLeadingZeros_D7) {
  for (const char* bad : {"2024-1-01", "2024-01-1", "24-01-01", "024-01-01", "2024-01-01T1:00:00Z",
                          "2024-01-01T10:0:00Z", "2024-01-01T10:00:0Z"}) {
    EXPECT_EQ(Datestamp::parse(bad), std::nullopt) << bad;
  }
}

TEST(Datestamp, RejectsLowerCaseDesignators_D1) {
  for (const char* bad : {"2024-01-01t10:00:00Z", "2024-01-01T10:00:00z", "2024-01-01t10:00:00z"}) {
    EXPECT_EQ(Datestamp::parse(bad), std::nullopt) << bad;
  }
}

TEST(Datestamp, RejectsSurroundingWhiteSpace_D7) {
  for (const char* bad :
       {" 2024-01-01", "2024-01-01 ", "\t2024-01-01", "2024-01-01\n", " 2024-01-01T10:00:00Z",
        "2024-01-01T10:00:00Z ", "2024-01-01 10:00:00Z"}) {
    EXPECT_EQ(Datestamp::parse(bad), std::nullopt) << bad;
  }
}

TEST(Datestamp, RejectsImpossibleDates_D7) {
  for (const char* bad : {"2024-02-30", "2023-02-29", "1900-02-29", "2100-02-29", "2024-04-31",
                          "2024-06-31", "2024-09-31", "2024-11-31", "2024-01-32", "2024-00-10",
                          "2024-13-01", "2024-01-00", "0000-00-00"}) {
    EXPECT_EQ(Datestamp::parse(bad), std::nullopt) << bad;
  }
}

TEST(Datestamp, AcceptsLeapDays_D1) {
  for (const char* good : {"2024-02-29", "2000-02-29", "1600-02-29", "0000-02-29", "2024-12-31",
                           "2023-02-28", "2024-01-31"}) {
    EXPECT_TRUE(Datestamp::parse(good).has_value()) << good;
  }
}

TEST(Datestamp, RejectsImpossibleTimes_D7) {
  for (const char* bad : {"2024-01-01T25:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T23:60:00Z",
                          "2024-01-01T23:59:60Z", "2016-12-31T23:59:60Z", "2024-01-01T99:99:99Z"}) {
    EXPECT_EQ(Datestamp::parse(bad), std::nullopt) << bad;
  }
}

TEST(Datestamp, RejectsNonDigitsAndWrongSeparators_D7) {
  for (const char* bad : {"", "abcd-ef-gh", "2024/01/01", "2024.01.01", "2024-01-01T10-00-00Z",
                          "2024-01-01T10:00:00ZZ", "+2024-01-01", "-2024-01-01", "2O24-01-01",
                          "2024-0a-01", "2024-01-01T1a:00:00Z", "12024-01-01",
                          "2024-01-01X10:00:00Z", "2024-01-01T 0:00:00Z", "2024-01-+1"}) {
    EXPECT_EQ(Datestamp::parse(bad), std::nullopt) << bad;
  }
}

TEST(Datestamp, RejectsEmbeddedNul_D7) {
  using namespace std::string_view_literals;
  EXPECT_EQ(Datestamp::parse("2024-01-0\0"sv), std::nullopt);
  EXPECT_EQ(Datestamp::parse("2024-01-01\0"sv), std::nullopt);
}

TEST(Datestamp, AcceptsYearRangeBounds_D1) {
  EXPECT_EQ(parsed("0000-01-01").to_string(), "0000-01-01");
  EXPECT_EQ(parsed("9999-12-31").to_string(), "9999-12-31");
  EXPECT_EQ(parsed("0000-01-01T00:00:00Z").to_string(), "0000-01-01T00:00:00Z");
  EXPECT_EQ(parsed("9999-12-31T23:59:59Z").to_string(), "9999-12-31T23:59:59Z");
}

TEST(Datestamp, RoundTripsThroughText_D1) {
  for (const char* text : {"2024-01-01", "1970-01-01", "1969-12-31", "0001-01-01", "2024-02-29",
                           "2024-01-01T00:00:00Z", "2024-12-31T23:59:59Z", "1969-12-31T23:59:59Z",
                           "1234-05-06T07:08:09Z", "0000-02-29T12:00:00Z"}) {
    EXPECT_EQ(parsed(text).to_string(), text);
  }
}

// Every day of the range against std::chrono's calendar, which is an
// independent implementation of the proleptic Gregorian calendar.
TEST(Datestamp, EveryDayMatchesChronoCalendar_D1) {
  using namespace std::chrono;
  const sys_days first = year{0} / January / 1;
  const sys_days last = year{9999} / December / 31;
  std::optional<Datestamp> previous;
  for (sys_days day = first; day <= last; day += days{1}) {
    const std::int64_t seconds = day.time_since_epoch().count() * kDay;
    const Datestamp d = Datestamp::from_unix_seconds(seconds, Granularity::kDay);
    const year_month_day ymd{day};
    const std::string text = d.to_string();
    ASSERT_EQ(text.size(), 10u);
    ASSERT_EQ(std::stoi(text.substr(0, 4)), static_cast<int>(ymd.year())) << text;
    ASSERT_EQ(std::stoul(text.substr(5, 2)), static_cast<unsigned>(ymd.month())) << text;
    ASSERT_EQ(std::stoul(text.substr(8, 2)), static_cast<unsigned>(ymd.day())) << text;
    ASSERT_EQ(Datestamp::parse(text), d) << text;
    if (previous) {
      ASSERT_LT(*previous, d);
    }
    previous = d;
  }
}

TEST(Datestamp, FirstAndLastSecondCoverTheWholeDay_D8) {
  const Datestamp d = parsed("2024-03-15");
  EXPECT_EQ(d.first_second(), parsed("2024-03-15T00:00:00Z").unix_seconds());
  EXPECT_EQ(d.last_second(), parsed("2024-03-15T23:59:59Z").unix_seconds());
  EXPECT_EQ(d.last_second() - d.first_second(), kDay - 1);
}

TEST(Datestamp, SecondsValueCoversOneSecond_D8) {
  const Datestamp d = parsed("2024-03-15T10:20:30Z");
  EXPECT_EQ(d.first_second(), d.unix_seconds());
  EXPECT_EQ(d.last_second(), d.unix_seconds());
}

TEST(Datestamp, DayBoundsBeforeEpochAndAtRangeEnds_D8) {
  EXPECT_EQ(parsed("1969-12-31").first_second(), -kDay);
  EXPECT_EQ(parsed("1969-12-31").last_second(), -1);
  EXPECT_EQ(parsed("0000-01-01").first_second(), kYear0000);
  EXPECT_EQ(parsed("9999-12-31").last_second(), kLastSecondOf9999);
}

TEST(Datestamp, OrdersByInstantThenGranularity_D8) {
  EXPECT_LT(parsed("2024-01-01"), parsed("2024-01-02"));
  EXPECT_LT(parsed("2024-01-01T23:59:59Z"), parsed("2024-01-02T00:00:00Z"));
  EXPECT_LT(parsed("1969-12-31T23:59:59Z"), parsed("1970-01-01T00:00:00Z"));
  EXPECT_LT(parsed("0999-12-31"), parsed("1000-01-01"));
  // The same instant: day sorts before seconds, and they are not equal.
  EXPECT_LT(parsed("2024-01-01"), parsed("2024-01-01T00:00:00Z"));
  EXPECT_NE(parsed("2024-01-01"), parsed("2024-01-01T00:00:00Z"));
  // A day value is its first second, so a later time of the same day is larger.
  EXPECT_GT(parsed("2024-01-01T00:00:01Z"), parsed("2024-01-01"));
  EXPECT_EQ(parsed("2024-01-01"), parsed("2024-01-01"));
}

TEST(Datestamp, WithGranularityCutsToTheDay_D10) {
  const Datestamp seconds = parsed("2024-05-06T07:08:09Z");
  const Datestamp day = seconds.with_granularity(Granularity::kDay);
  EXPECT_EQ(day.granularity(), Granularity::kDay);
  EXPECT_EQ(day.to_string(), "2024-05-06");
  EXPECT_EQ(day, parsed("2024-05-06"));
}

TEST(Datestamp, WithGranularityCutsBeforeEpochToTheEarlierDay_D10) {
  const Datestamp d = parsed("1969-12-31T12:00:00Z").with_granularity(Granularity::kDay);
  EXPECT_EQ(d.to_string(), "1969-12-31");
  EXPECT_EQ(d.unix_seconds(), -kDay);
}

TEST(Datestamp, WithGranularityDayToSecondsIsMidnight_D8) {
  const Datestamp d = parsed("2024-05-06").with_granularity(Granularity::kSeconds);
  EXPECT_EQ(d.granularity(), Granularity::kSeconds);
  EXPECT_EQ(d.to_string(), "2024-05-06T00:00:00Z");
  EXPECT_EQ(d.last_second(), d.unix_seconds());
}

TEST(Datestamp, WithSameGranularityIsIdentity_D10) {
  EXPECT_EQ(parsed("2024-05-06").with_granularity(Granularity::kDay), parsed("2024-05-06"));
  EXPECT_EQ(parsed("2024-05-06T07:08:09Z").with_granularity(Granularity::kSeconds),
            parsed("2024-05-06T07:08:09Z"));
}

TEST(Datestamp, FromUnixSecondsAtEpoch_D1) {
  EXPECT_EQ(Datestamp::from_unix_seconds(0).to_string(), "1970-01-01T00:00:00Z");
  EXPECT_EQ(Datestamp::from_unix_seconds(0, Granularity::kDay).to_string(), "1970-01-01");
  EXPECT_EQ(Datestamp::from_unix_seconds(0).granularity(), Granularity::kSeconds);
}

TEST(Datestamp, FromUnixSecondsNegative_D1) {
  EXPECT_EQ(Datestamp::from_unix_seconds(-1).to_string(), "1969-12-31T23:59:59Z");
  EXPECT_EQ(Datestamp::from_unix_seconds(-1, Granularity::kDay).to_string(), "1969-12-31");
  EXPECT_EQ(Datestamp::from_unix_seconds(-1, Granularity::kDay).unix_seconds(), -kDay);
  EXPECT_EQ(Datestamp::from_unix_seconds(-kDay, Granularity::kDay).unix_seconds(), -kDay);
  EXPECT_EQ(Datestamp::from_unix_seconds(-kDay - 1, Granularity::kDay).to_string(), "1969-12-30");
  EXPECT_EQ(Datestamp::from_unix_seconds(kYear0000).to_string(), "0000-01-01T00:00:00Z");
}

TEST(Datestamp, FromUnixSecondsCutsToDay_D10) {
  const Datestamp d = Datestamp::from_unix_seconds(1709210096, Granularity::kDay);
  EXPECT_EQ(d.unix_seconds(), 1709164800);
  EXPECT_EQ(d.to_string(), "2024-02-29");
}

TEST(Datestamp, FromUnixSecondsAtYear9999_D1) {
  EXPECT_EQ(Datestamp::from_unix_seconds(kLastSecondOf9999).to_string(), "9999-12-31T23:59:59Z");
  EXPECT_EQ(Datestamp::from_unix_seconds(kLastSecondOf9999, Granularity::kDay).to_string(),
            "9999-12-31");
}

TEST(Datestamp, NowIsSecondsGranularityAndCurrent_D12) {
  using namespace std::chrono;
  const auto before = floor<seconds>(system_clock::now().time_since_epoch()).count();
  const Datestamp now = Datestamp::now();
  const auto after = floor<seconds>(system_clock::now().time_since_epoch()).count();
  EXPECT_EQ(now.granularity(), Granularity::kSeconds);
  EXPECT_GE(now.unix_seconds(), before);
  EXPECT_LE(now.unix_seconds(), after);
  EXPECT_EQ(Datestamp::parse(now.to_string()), now);
}

}  // namespace
}  // namespace oai
