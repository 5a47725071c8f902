#include "store/search_terms.h"

#include <cctype>

#include "store/store_error.h"

namespace store {

std::optional<std::string> quick_needle(std::string_view needle) {
  std::string lowered;
  for (const char c : needle) {
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\\' || c == '/') return std::nullopt;
    lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lowered;
}

DayRange date_window(const SearchQuery& query) {
  const auto from =
      query.date_from ? read_date_bound(*query.date_from) : DayRange{"0000-01-01", ""};
  const auto to = query.date_to ? read_date_bound(*query.date_to) : DayRange{"", "9999-12-31"};
  if (!from || !to) {
    throw StoreError("a date bound must be YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ");
  }
  return {from->first, to->last};
}

bool filters_beyond_text(const SearchQuery& query) {
  return query.source || query.set_spec || query.title || query.creator || query.subject ||
         query.type || query.language || query.date_from || query.date_to ||
         query.deleted == DeletedFilter::kDeletedOnly;
}

}  // namespace store
