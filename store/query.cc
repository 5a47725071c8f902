// The searches of store/query.h that every engine shares: reading people's
// dates, and the entry points, which forward to the store's engine.
#include "store/query.h"

#include <cctype>
#include <string>

#include "store/backend.h"

namespace store {
namespace {

bool digits(std::string_view text) {
  for (const char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return !text.empty();
}

// Whether the first `length` characters of `text` can be a day, month or year:
// they end the text or a digit does not follow (`2024-10-01T...`, `1990-1999`).
bool date_prefix(std::string_view text, std::size_t length) {
  return text.size() == length ||
         (text.size() > length && std::isdigit(static_cast<unsigned char>(text[length])) == 0);
}

// Whether text[at, at + length) is a number from `low` to `high`.
bool number_at(std::string_view text, std::size_t at, std::size_t length, int low, int high) {
  const auto part = text.substr(at, length);
  if (part.size() != length || !digits(part)) return false;
  const int value = std::stoi(std::string(part));
  return value >= low && value <= high;
}

}  // namespace

std::optional<DayRange> read_lenient_date(std::string_view text) {
  const bool year = number_at(text, 0, 4, 0, 9999);
  const bool month = year && text.size() >= 7 && text[4] == '-' && number_at(text, 5, 2, 1, 12);
  if (month && date_prefix(text, 10) && text[7] == '-' && number_at(text, 8, 2, 1, 31)) {
    const std::string day(text.substr(0, 10));
    return DayRange{day, day};
  }
  if (month && date_prefix(text, 7)) {
    const std::string month(text.substr(0, 7));
    return DayRange{month + "-01", month + "-31"};
  }
  if (year && date_prefix(text, 4)) {
    const std::string year(text.substr(0, 4));
    return DayRange{year + "-01-01", year + "-12-31"};
  }
  return std::nullopt;
}

std::optional<DayRange> read_date_bound(std::string_view text) {
  const bool shaped = text.size() == 4 || text.size() == 7 || text.size() == 10 ||
                      (text.size() > 10 && text[10] == 'T');
  auto range = shaped ? read_lenient_date(text) : std::nullopt;
  // The whole date must have been read: `2024-13` reads leniently as 2024.
  if (range &&
      range->first.compare(0, std::min<std::size_t>(text.size(), 10), text.substr(0, 10)) != 0) {
    return std::nullopt;
  }
  return range;
}

void search(Store& store, const SearchQuery& query,
            const std::function<void(const SearchHit&)>& each) {
  backend_of(store).search(query, each);
}

std::int64_t count(Store& store, const SearchQuery& query) {
  return backend_of(store).count(query);
}

std::vector<HeldRecord> find_for_show(Store& store, std::string_view upstream_identifier,
                                      const std::optional<std::string>& source) {
  std::vector<HeldRecord> held;
  for (const auto& [name, prefix] :
       backend_of(store).records_of_item(upstream_identifier, source)) {
    if (auto record = store.get_record(name, upstream_identifier, prefix)) {
      held.push_back({prefix, std::move(*record)});
    }
  }
  return held;
}

std::vector<SourceStatus> source_status(Store& store) { return backend_of(store).source_status(); }

}  // namespace store
