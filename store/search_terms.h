// What both engines compute alike from a SearchQuery before they write it as
// SQL (store/query.h has the query itself). Known only to the store module.
#ifndef STORE_SEARCH_TERMS_H_
#define STORE_SEARCH_TERMS_H_

#include <optional>
#include <string>
#include <string_view>

#include "store/query.h"

namespace store {

// The needle of an element filter lower-cased as it appears in records.dc's
// JSON text, or nullopt when JSON may spell it otherwise: printable ASCII
// only, without the characters a JSON writer escapes (quote, backslash, and
// perhaps slash). An engine first looks for it in the whole JSON text, a
// test four times cheaper than reading the elements that rules most records
// out; only then does it compare element by element.
std::optional<std::string> quick_needle(std::string_view needle);

// The days a query's date_from and date_to cover together: from the first
// day of date_from (0000-01-01 without it) to the last day of date_to
// (9999-12-31 without it). Throws StoreError when either is not a date bound
// read_date_bound() accepts.
DayRange date_window(const SearchQuery& query);

// Whether the query filters on more than its text: a text search without
// other filters needs to read no record to find its hits.
bool filters_beyond_text(const SearchQuery& query);

}  // namespace store

#endif  // STORE_SEARCH_TERMS_H_
