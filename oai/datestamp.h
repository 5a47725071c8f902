// Datestamps and granularity: the only two date forms OAI-PMH allows (D-1).
#ifndef OAI_DATESTAMP_H_
#define OAI_DATESTAMP_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oai {

// The finest unit a repository's datestamps are expressed in (D-3, D-10).
enum class Granularity { kDay, kSeconds };

// The literal Identify uses: "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ssZ" (V-ID-5).
std::string_view to_string(Granularity granularity);

// Parses the Identify literal; anything else is nullopt.
std::optional<Granularity> parse_granularity(std::string_view text);

// A UTC instant written `YYYY-MM-DD` (day granularity) or `YYYY-MM-DDThh:mm:ssZ`
// (seconds granularity). Years run 0000-9999. The value remembers the
// granularity it was written in, because from/until compare whole days at day
// granularity (D-8) and two bounds must share one granularity (D-5).
class Datestamp {
 public:
  // Parses exactly one of the two forms. Offsets, fractions, `YYYY-MM`, `YYYY`,
  // missing leading zeros, impossible dates (2024-02-30, 25:00:00) and
  // surrounding white space are all rejected with nullopt (D-1, D-7).
  static std::optional<Datestamp> parse(std::string_view text);

  // The instant `seconds` after 1970-01-01T00:00:00Z, cut to `granularity`.
  // Requires the result to fall within years 0000-9999.
  static Datestamp from_unix_seconds(std::int64_t seconds,
                                     Granularity granularity = Granularity::kSeconds);

  // The current time of the system clock, seconds granularity.
  static Datestamp now();

  Granularity granularity() const { return granularity_; }

  // Seconds since the epoch of the instant written; 00:00:00 of the day for a
  // day-granularity value.
  std::int64_t unix_seconds() const { return seconds_; }

  // The first and last second this value covers: the whole day for a day
  // value, the second itself otherwise. from=D means >= first_second(),
  // until=D means <= last_second() (D-8).
  std::int64_t first_second() const { return seconds_; }
  std::int64_t last_second() const;

  // The same instant cut to `granularity`: seconds to day drops the time;
  // day to seconds gives 00:00:00 of that day.
  Datestamp with_granularity(Granularity granularity) const;

  // The canonical text in this value's granularity.
  std::string to_string() const;

  // Values order by instant, then by granularity (day before seconds).
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>.
  friend auto operator<=>(const Datestamp&, const Datestamp&) = default;

 private:
  Datestamp(std::int64_t seconds, Granularity granularity)
      : seconds_(seconds), granularity_(granularity) {}

  std::int64_t seconds_;     // since the epoch, already cut to granularity_
  Granularity granularity_;  // the form the value is written in
};

}  // namespace oai

#endif  // OAI_DATESTAMP_H_
