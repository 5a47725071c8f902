// Searches, single items and per-source status, for the people-facing
// commands. The SQL reads records.dc through json_each (as the dc_elements
// view does) and the full text through dc_fts; docs/store.md has both.
#include "store/query.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "store/search_terms.h"
#include "store/sqlite/backend.h"

namespace store {
namespace {

// clang-format off
// The columns of a hit, in the order read_served() reads them (no namespace).
#define HIT_COLUMNS                                                                          \
  "r.id, s.name, r.upstream_identifier, r.datestamp, r.deleted, "                            \
  "CASE WHEN ?14 THEN r.metadata END, r.about, r.upstream_datestamp, r.harvest_date, "       \
  "coalesce(nullif(s.declared_base_url, ''), s.base_url), '', "                              \
  "(SELECT group_concat(x.set_spec, char(10)) FROM record_sets x WHERE x.record_id = r.id) "

// A case-insensitive substring of some value of one Dublin Core element.
// `quick`, when not NULL, must occur in the lower-cased JSON text of
// records.dc: a test four times cheaper than json_each that rules most
// records out first (see quick_needle()).
#define ELEMENT_FILTER(element, parameter, quick)                                            \
  "AND (" parameter " IS NULL OR ((" quick " IS NULL OR instr(lower(r.dc), " quick ") > 0) " \
  "AND EXISTS (SELECT 1 FROM json_each(r.dc) e "                                             \
  "WHERE json_extract(e.value, '$[0]') = '" element "' "                                     \
  "AND instr(lower(json_extract(e.value, '$[1]')), lower(" parameter ")) > 0))) "

// How many leading characters of a dc:date value `v` are a day (10), a month
// (7) or a year (4), as read_lenient_date() reads them; NULL otherwise.
#define DATE_PRECISION                                                                       \
  "CASE WHEN v GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' "                          \
  "AND NOT substr(v, 11, 1) GLOB '[0-9]' AND substr(v, 6, 2) BETWEEN '01' AND '12' "         \
  "AND substr(v, 9, 2) BETWEEN '01' AND '31' THEN 10 "                                       \
  "WHEN v GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*' AND NOT substr(v, 8, 1) GLOB '[0-9]' "     \
  "AND substr(v, 6, 2) BETWEEN '01' AND '12' THEN 7 "                                        \
  "WHEN v GLOB '[0-9][0-9][0-9][0-9]*' AND NOT substr(v, 5, 1) GLOB '[0-9]' THEN 4 END"

// Some dc:date value overlaps the days ?10 to ?11: its first day (the value
// padded with 0000-01-01) is not after ?11, its last (padded with 9999-12-31,
// a day 31 of any month sorts after the month's real last day) not before ?10.
#define DATE_FILTER                                                                          \
  "AND (?10 IS NULL OR EXISTS (SELECT 1 FROM (SELECT v, " DATE_PRECISION " AS p FROM "       \
  "(SELECT json_extract(e.value, '$[1]') AS v FROM json_each(r.dc) e "                       \
  "WHERE json_extract(e.value, '$[0]') = 'date')) "                                          \
  "WHERE p IS NOT NULL AND substr(v, 1, p) || substr('0000-01-01', p + 1) <= ?11 "           \
  "AND substr(v, 1, p) || substr('9999-12-31', p + 1) >= ?10)) "

// ?2 source, ?3 the source of the set, ?4 the upstream set, ?5 to ?9 element
// substrings (?15 to ?19 their quick forms), ?10 and ?11 the days, ?12
// deleted (0 live, 1 tombstones, 2 both).
#define SEARCH_FILTERS                                                                       \
  "r.metadata_prefix = 'oai_dc' AND (?12 = 2 OR r.deleted = ?12) "                           \
  "AND (?2 IS NULL OR s.name = ?2) AND (?3 IS NULL OR s.name = ?3) "                         \
  "AND (?4 IS NULL OR EXISTS (SELECT 1 FROM record_sets x WHERE x.record_id = r.id "         \
  "AND (x.set_spec = ?4 OR substr(x.set_spec, 1, length(?4) + 1) = ?4 || ':'))) "            \
  ELEMENT_FILTER("title", "?5", "?15") ELEMENT_FILTER("creator", "?6", "?16")                \
  ELEMENT_FILTER("subject", "?7", "?17") ELEMENT_FILTER("type", "?8", "?18")                 \
  ELEMENT_FILTER("language", "?9", "?19") DATE_FILTER

// The full-text matches that pass the filters. The index holds live oai_dc
// records only, so without other filters (?20 = 0) no record is read: a
// match costs its bm25() alone, not a visit to its 16 KiB records page.
#define TEXT_MATCHES                                                                         \
  "FROM dc_fts WHERE dc_fts MATCH ?1 AND (?20 = 0 OR EXISTS (SELECT 1 FROM records r "       \
  "JOIN sources s ON s.id = r.source_id WHERE r.id = dc_fts.rowid AND " SEARCH_FILTERS ")) "

// The best ?13 matches by relevance (ties: the newer record first), and
// only then their columns: ranking carries no record's XML along.
#define TEXT_HITS                                                                            \
  "FROM (SELECT dc_fts.rowid AS hit, bm25(dc_fts) AS score " TEXT_MATCHES                    \
  "ORDER BY score, hit DESC LIMIT ?13) AS top CROSS JOIN records r ON r.id = top.hit "       \
  "JOIN sources s ON s.id = r.source_id ORDER BY top.score, top.hit DESC"
#define ALL_FROM "FROM records r JOIN sources s ON s.id = r.source_id WHERE "
// clang-format on

void bind_filters(sqlite::Statement& statement, const SearchQuery& query) {
  if (query.text) statement.bind(1, *query.text).bind(20, filters_beyond_text(query) ? 1 : 0);
  statement.bind_optional(2, query.source);
  if (query.set_spec) {
    const auto colon = query.set_spec->find(':');
    statement.bind(3, query.set_spec->substr(0, colon));
    if (colon != std::string::npos) statement.bind(4, query.set_spec->substr(colon + 1));
  }
  statement.bind_optional(5, query.title).bind_optional(6, query.creator);
  statement.bind_optional(7, query.subject).bind_optional(8, query.type);
  statement.bind_optional(9, query.language);
  int quick = 15;
  for (const auto* needle :
       {&query.title, &query.creator, &query.subject, &query.type, &query.language}) {
    statement.bind_optional(quick++, *needle ? quick_needle(**needle) : std::nullopt);
  }
  if (query.date_from || query.date_to) {
    const DayRange days = date_window(query);
    statement.bind(10, days.first).bind(11, days.last);
  }
  statement.bind(12, query.deleted == DeletedFilter::kLiveOnly      ? 0
                     : query.deleted == DeletedFilter::kDeletedOnly ? 1
                                                                    : 2);
}

// Steps a statement that runs the text query; an error SQLite reports as a
// plain SQLITE_ERROR there is FTS5 refusing the query, and is said so.
bool step_search(sqlite::Statement& statement, SqliteBackend& impl, const SearchQuery& query) {
  try {
    return statement.step();
  } catch (const StoreError&) {
    sqlite3* db = impl.connection().get();
    if (!query.text || (sqlite3_errcode(db) & 0xff) != SQLITE_ERROR) throw;
    std::string detail = sqlite3_errmsg(db);
    if (detail.rfind("fts5: ", 0) == 0) detail.erase(0, 6);
    statement.reset();
    throw SearchSyntaxError("cannot understand the search \"" + *query.text + "\": " + detail);
  }
}

std::vector<DcElement> read_dc(SqliteBackend& impl, std::int64_t record_id) {
  auto& select = impl.statement(
      "SELECT element, value, coalesce(lang, '') FROM dc_elements WHERE record_id = ?1 "
      "ORDER BY position");
  select.bind(1, record_id);
  std::vector<DcElement> dc;
  while (select.step()) {
    dc.push_back({select.column_text(0), select.column_text(1), select.column_text(2)});
  }
  select.reset();
  return dc;
}

}  // namespace

void SqliteBackend::search(const SearchQuery& query,
                           const std::function<void(const SearchHit&)>& each) {
  auto& impl = *this;
  auto& select = query.text ? impl.statement("SELECT " HIT_COLUMNS TEXT_HITS)
                            : impl.statement("SELECT " HIT_COLUMNS ALL_FROM SEARCH_FILTERS
                                             "ORDER BY r.datestamp DESC, r.id DESC LIMIT ?13");
  bind_filters(select, query);
  select.bind(13, query.limit > 0 ? query.limit : -1).bind(14, query.with_metadata ? 1 : 0);
  try {
    while (step_search(select, impl, query)) {
      SearchHit hit{read_served(select), {}};
      if (!hit.record.deleted) hit.dc = read_dc(impl, hit.record.id);
      each(hit);
    }
  } catch (...) {
    select.reset();  // ends the statement's read transaction
    throw;
  }
  select.reset();
}

std::int64_t SqliteBackend::count(const SearchQuery& query) {
  auto& impl = *this;
  auto& select = query.text ? impl.statement("SELECT count(*) " TEXT_MATCHES)
                            : impl.statement("SELECT count(*) " ALL_FROM SEARCH_FILTERS);
  bind_filters(select, query);
  step_search(select, impl, query);
  const auto total = select.column_int(0);
  select.reset();
  return total;
}

std::vector<std::pair<std::string, std::string>> SqliteBackend::records_of_item(
    std::string_view upstream_identifier, const std::optional<std::string>& source) {
  // `source_id IN (...)` lets the (source, identifier, prefix) key find the
  // rows of every source without a scan of the records.
  auto& select = statement(
      "SELECT s.name, r.metadata_prefix FROM records r JOIN sources s ON s.id = r.source_id "
      "WHERE r.source_id IN (SELECT id FROM sources WHERE ?2 IS NULL OR name = ?2) "
      "AND r.upstream_identifier = ?1 "
      "ORDER BY s.name, r.metadata_prefix <> 'oai_dc', r.metadata_prefix");
  select.bind(1, upstream_identifier).bind_optional(2, source);
  std::vector<std::pair<std::string, std::string>> keys;
  while (select.step()) keys.emplace_back(select.column_text(0), select.column_text(1));
  select.reset();
  return keys;
}

namespace {

std::vector<FormatCount> format_counts(SqliteBackend& impl, std::int64_t source_id) {
  auto& select = impl.statement(
      "SELECT metadata_prefix, count(*), sum(deleted) FROM records WHERE source_id = ?1 "
      "GROUP BY metadata_prefix ORDER BY metadata_prefix");
  select.bind(1, source_id);
  std::vector<FormatCount> formats;
  while (select.step()) {
    formats.push_back({select.column_text(0), select.column_int(1), select.column_int(2)});
  }
  select.reset();
  return formats;
}

std::optional<RunStatus> last_run(SqliteBackend& impl, std::int64_t source_id) {
  auto& select = impl.statement(
      "SELECT id, started_at, ended_at, result, records_new, records_updated, records_deleted, "
      "records_unchanged, pages, bytes, retries, error FROM harvest_runs WHERE source_id = ?1 "
      "ORDER BY id DESC LIMIT 1");
  select.bind(1, source_id);
  std::optional<RunStatus> run;
  if (select.step()) {
    run = RunStatus{
        select.column_int(0),
        select.column_text(1),
        select.column_optional_text(2),
        select.column_text(3),
        {select.column_int(4), select.column_int(5), select.column_int(6), select.column_int(7)},
        select.column_int(8),
        select.column_int(9),
        select.column_int(10),
        select.column_optional_text(11)};
  }
  select.reset();
  return run;
}

std::vector<ListStatus> lists_of(SqliteBackend& impl, std::int64_t source_id) {
  auto& select = impl.statement(
      "SELECT l.metadata_prefix, l.set_spec, l.next_from, l.completed_at, "
      "EXISTS (SELECT 1 FROM checkpoints c WHERE c.list_id = l.id) FROM harvest_lists l "
      "WHERE l.source_id = ?1 ORDER BY l.metadata_prefix, l.set_spec");
  select.bind(1, source_id);
  std::vector<ListStatus> lists;
  while (select.step()) {
    lists.push_back({select.column_text(0), select.column_text(1), select.column_optional_text(2),
                     select.column_optional_text(3), select.column_int(4) != 0});
  }
  select.reset();
  return lists;
}

}  // namespace

std::vector<SourceStatus> SqliteBackend::source_status() {
  auto& impl = *this;
  auto& select = impl.statement(
      "SELECT id, name, base_url, nullif(declared_base_url, ''), repository_name FROM sources "
      "ORDER BY name");
  std::vector<std::pair<std::int64_t, SourceStatus>> sources;
  while (select.step()) {
    SourceStatus status;
    status.name = select.column_text(1);
    status.base_url = select.column_text(2);
    status.declared_base_url = select.column_optional_text(3);
    status.repository_name = select.column_optional_text(4);
    sources.emplace_back(select.column_int(0), std::move(status));
  }
  select.reset();
  std::vector<SourceStatus> result;
  for (auto& [id, status] : sources) {
    status.formats = format_counts(impl, id);
    for (const auto& format : status.formats) {
      status.records += format.records;
      status.deleted += format.deleted;
    }
    status.last_run = last_run(impl, id);
    status.lists = lists_of(impl, id);
    result.push_back(std::move(status));
  }
  return result;
}

}  // namespace store
