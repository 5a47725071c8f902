// Searching the store for people: `oaipmh query`, `oaipmh show` and
// `oaipmh status` read through these functions (the store is the only code
// that speaks SQL).
#ifndef STORE_QUERY_H_
#define STORE_QUERY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace store {

// A text query FTS5 cannot parse (a usage error, not a failure of the store).
class SearchSyntaxError : public StoreError {
 public:
  using StoreError::StoreError;
};

// Which records a search considers by their deleted flag.
enum class DeletedFilter {
  kLiveOnly,     // deleted = 0 (the default)
  kDeletedOnly,  // tombstones only
  kBoth,
};

// The first and last day a lenient date covers, both `YYYY-MM-DD`. A month
// ends on day 31 whatever its length: that compares correctly as text.
struct DayRange {
  std::string first;
  std::string last;
};

// Reads a date leniently: `2024` (the year), `2024-10` (the month),
// `2024-10-01`, or a longer value that starts with a day, such as
// `2024-10-01T11:42:07Z` (that day: times and zones are ignored). Returns
// nullopt for anything else, e.g. `circa 1900`.
std::optional<DayRange> read_lenient_date(std::string_view text);

// Reads a date bound a person gives, strictly: exactly `YYYY`, `YYYY-MM`,
// `YYYY-MM-DD`, or a day with a time (`2024-10-01T12:00:00Z`, that day), so
// that a typo such as `2024-13` is refused rather than read as 2024.
std::optional<DayRange> read_date_bound(std::string_view text);

// A search over the oai_dc records of the store. Every filter that is set
// must hold (AND).
struct SearchQuery {
  // An FTS5 query over dc_fts (words, "phrases", prefix*, AND/OR/NOT, NEAR,
  // column:filters); results by relevance (bm25). Without it, newest first:
  // our datestamp descending, then id descending. Only live records have
  // full-text entries, so a text search never finds a tombstone.
  std::optional<std::string> text;
  std::optional<std::string> source;  // the source's name, exactly
  // Our setSpec: `<source>` or `<source>:<upstream set>`; the upstream set
  // covers its descendants, by whole parts (S-3: `a` matches `a`, `a:b`, not `ab`).
  std::optional<std::string> set_spec;
  // Case-insensitive (A-Z only, as SQLite's lower()) substring of some value
  // of that Dublin Core element.
  std::optional<std::string> title, creator, subject, type, language;
  // Some dc:date value, read with read_lenient_date(), overlaps the days from
  // the first day of date_from to the last day of date_to (each may be
  // absent). Both must be readable by read_date_bound().
  std::optional<std::string> date_from, date_to;
  DeletedFilter deleted = DeletedFilter::kLiveOnly;
  std::int64_t limit = 0;      // at most this many hits; 0 = no limit
  bool with_metadata = false;  // read records.metadata into each hit
};

// One record found, with its Dublin Core elements.
struct SearchHit {
  // id, source, identifiers, datestamps, deleted, upstream set_specs,
  // harvest_date and the upstream base URL; metadata when asked for.
  ServedRecord record;
  std::vector<DcElement> dc;  // in document order; empty for tombstones
};

// Calls `each` for every record the query matches, in its order, while the
// statement runs (memory does not grow with the number of hits). Throws
// StoreError; SearchSyntaxError for a malformed text query, whose message
// reads `cannot understand the search "<text>": <what FTS5 said>`.
void search(Store& store, const SearchQuery& query,
            const std::function<void(const SearchHit&)>& each);

// How many records the query matches, ignoring its limit. Throws like search().
std::int64_t count(Store& store, const SearchQuery& query);

// One record of an item in one format, for `oaipmh show`.
struct HeldRecord {
  std::string metadata_prefix;
  ServedRecord record;  // with metadata and about
};

// Every record the store holds of `upstream_identifier` (of `source` only, when
// given), in every format: by source name, then oai_dc first, then by prefix.
std::vector<HeldRecord> find_for_show(Store& store, std::string_view upstream_identifier,
                                      const std::optional<std::string>& source);

// The last harvest run of a source.
struct RunStatus {
  std::int64_t id = 0;
  std::string started_at;
  std::optional<std::string> ended_at;  // absent while running, or if the process died
  std::string result;                   // running | ok | failed | interrupted
  PageCounts counts;
  std::int64_t pages = 0;
  std::int64_t bytes = 0;
  std::int64_t retries = 0;
  std::optional<std::string> error;
};

// Records of one format of a source.
struct FormatCount {
  std::string metadata_prefix;
  std::int64_t records = 0;  // tombstones included
  std::int64_t deleted = 0;
};

// One list (prefix, set) of a source and its incremental watermark.
struct ListStatus {
  std::string metadata_prefix;
  std::string set_spec;                  // upstream set, '' for the whole repository
  std::optional<std::string> next_from;  // absent until a list completes
  std::optional<std::string> completed_at;
  bool unfinished = false;  // a checkpoint waits to be resumed
};

struct SourceStatus {
  std::string name;
  std::string base_url;                          // as configured
  std::optional<std::string> declared_base_url;  // Identify's baseURL
  std::optional<std::string> repository_name;
  std::int64_t records = 0;  // every format, tombstones included
  std::int64_t deleted = 0;
  std::vector<FormatCount> formats;  // by prefix
  std::optional<RunStatus> last_run;
  std::vector<ListStatus> lists;  // by prefix, then set
};

// Every source of the store, by name.
std::vector<SourceStatus> source_status(Store& store);

}  // namespace store

#endif  // STORE_QUERY_H_
