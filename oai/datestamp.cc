#include "oai/datestamp.h"

#include <cassert>
#include <chrono>

namespace oai {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;
constexpr std::string_view kDayLiteral = "YYYY-MM-DD";
constexpr std::string_view kSecondsLiteral = "YYYY-MM-DDThh:mm:ssZ";

// The proleptic Gregorian calendar, so year 0000 is a leap year like 2000.
bool is_leap_year(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

// Days from 1970-01-01 to year-month-day. Counts in 400-year eras starting on
// 1 March, so the leap day falls at the end of an era-year and every era has
// the same length (146097 days).
std::int64_t days_from_civil(int year, int month, int day) {
  const std::int64_t y = month <= 2 ? year - 1 : year;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t year_of_era = y - era * 400;                        // [0, 399]
  const std::int64_t shifted_month = month > 2 ? month - 3 : month + 9;  // March = 0
  const std::int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468 = days 0000-03-01..1970-01-01
}

struct CivilDate {
  int year;
  int month;
  int day;
};

// The inverse of days_from_civil().
CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t day_of_era = days - era * 146097;  // [0, 146096]
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t shifted_month = (5 * day_of_year + 2) / 153;  // March = 0
  const int day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  const int month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  const std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return {static_cast<int>(year), month, day};
}

// Floor division: a negative instant belongs to the day that starts before it.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Reads `width` ASCII digits at `pos`; -1 if any of them is not a digit.
int read_digits(std::string_view text, std::size_t pos, std::size_t width) {
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

void write_digits(std::string& out, int value, int width) {
  char buffer[4];
  for (int i = width - 1; i >= 0; --i) {
    buffer[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(buffer, static_cast<std::size_t>(width));
}

// Parses "YYYY-MM-DD" at the start of `text` into days since the epoch.
std::optional<std::int64_t> parse_day(std::string_view text) {
  if (text[4] != '-' || text[7] != '-') return std::nullopt;
  const int year = read_digits(text, 0, 4);
  const int month = read_digits(text, 5, 2);
  const int day = read_digits(text, 8, 2);
  if (year < 0 || month < 1 || month > 12) return std::nullopt;
  if (day < 1 || day > days_in_month(year, month)) return std::nullopt;
  return days_from_civil(year, month, day);
}

// Parses "Thh:mm:ssZ" at offset 10 of `text` into seconds since midnight.
// Leap seconds (:60) are rejected: Unix time has no room for them.
std::optional<std::int64_t> parse_time_of_day(std::string_view text) {
  if (text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z') {
    return std::nullopt;
  }
  const int hour = read_digits(text, 11, 2);
  const int minute = read_digits(text, 14, 2);
  const int second = read_digits(text, 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return std::nullopt;
  }
  return hour * 3600 + minute * 60 + second;
}

}  // namespace

std::string_view to_string(Granularity granularity) {
  return granularity == Granularity::kDay ? kDayLiteral : kSecondsLiteral;
}

std::optional<Granularity> parse_granularity(std::string_view text) {
  if (text == kDayLiteral) return Granularity::kDay;
  if (text == kSecondsLiteral) return Granularity::kSeconds;
  return std::nullopt;
}

std::optional<Datestamp> Datestamp::parse(std::string_view text) {
  if (text.size() != kDayLiteral.size() && text.size() != kSecondsLiteral.size()) {
    return std::nullopt;
  }
  const std::optional<std::int64_t> days = parse_day(text);
  if (!days) return std::nullopt;
  if (text.size() == kDayLiteral.size()) {
    return Datestamp(*days * kSecondsPerDay, Granularity::kDay);
  }
  const std::optional<std::int64_t> time_of_day = parse_time_of_day(text);
  if (!time_of_day) return std::nullopt;
  return Datestamp(*days * kSecondsPerDay + *time_of_day, Granularity::kSeconds);
}

Datestamp Datestamp::from_unix_seconds(std::int64_t seconds, Granularity granularity) {
  // 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
  assert(seconds >= -62167219200 && seconds <= 253402300799);
  if (granularity == Granularity::kDay) {
    seconds = floor_div(seconds, kSecondsPerDay) * kSecondsPerDay;
  }
  return Datestamp(seconds, granularity);
}

Datestamp Datestamp::now() {
  const auto since_epoch =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return from_unix_seconds(since_epoch.count(), Granularity::kSeconds);
}

std::int64_t Datestamp::last_second() const {
  return granularity_ == Granularity::kDay ? seconds_ + kSecondsPerDay - 1 : seconds_;
}

Datestamp Datestamp::with_granularity(Granularity granularity) const {
  return from_unix_seconds(seconds_, granularity);
}

std::string Datestamp::to_string() const {
  const std::int64_t days = floor_div(seconds_, kSecondsPerDay);
  const CivilDate date = civil_from_days(days);
  std::string out;
  out.reserve(kSecondsLiteral.size());
  write_digits(out, date.year, 4);
  out += '-';
  write_digits(out, date.month, 2);
  out += '-';
  write_digits(out, date.day, 2);
  if (granularity_ == Granularity::kDay) return out;

  const int time_of_day = static_cast<int>(seconds_ - days * kSecondsPerDay);
  out += 'T';
  write_digits(out, time_of_day / 3600, 2);
  out += ':';
  write_digits(out, time_of_day / 60 % 60, 2);
  out += ':';
  write_digits(out, time_of_day % 60, 2);
  out += 'Z';
  return out;
}

}  // namespace oai
