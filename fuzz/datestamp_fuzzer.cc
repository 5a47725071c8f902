// Text into oai::Datestamp::parse and oai::parse_granularity: from/until of
// every request and the datestamps of every harvested header. A value parsed
// must print back as exactly the text it came from (only the two canonical
// forms are accepted) and survive the conversions datestamp.h offers.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "oai/datestamp.h"

namespace {

// A broken promise: abort, so libFuzzer keeps the input.
void check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (const auto granularity = oai::parse_granularity(text)) {
    check(oai::to_string(*granularity) == text);
  }

  const std::optional<oai::Datestamp> value = oai::Datestamp::parse(text);
  if (!value) return 0;
  check(value->to_string() == text);
  check(oai::Datestamp::parse(value->to_string()) == value);
  check(value->first_second() <= value->last_second());
  check(oai::Datestamp::from_unix_seconds(value->unix_seconds(), value->granularity()) == *value);

  const oai::Datestamp day = value->with_granularity(oai::Granularity::kDay);
  const oai::Datestamp seconds = value->with_granularity(oai::Granularity::kSeconds);
  check(day.granularity() == oai::Granularity::kDay);
  check(seconds.granularity() == oai::Granularity::kSeconds);
  check(day.first_second() <= value->first_second());
  check(value->last_second() <= day.last_second());
  check(day.last_second() - day.first_second() == 86399);
  check(text.substr(0, 10) == day.to_string());
  return 0;
}
