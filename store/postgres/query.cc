// Searches, single items and per-source status on the PostgreSQL store, with
// the semantics of sqlite/query.cc. The text query keeps FTS5's syntax
// (text_query.h reads it into SQL).
#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include "store/postgres/backend.h"
#include "store/postgres/text_query.h"
#include "store/prepared_records.h"
#include "store/search_terms.h"

namespace store {
namespace {

// ---- Filters, as SEARCH_FILTERS in sqlite/query.cc. ----

// Lower-cases A-Z only, as SQLite's lower() does: PostgreSQL's lower() under
// the "C" collation (under others it would fold non-ASCII letters too).
// translate() with the alphabet does the same, 17 times slower.
std::string ascii_lower(const std::string& sql) { return "lower((" + sql + ") COLLATE \"C\")"; }

// The day (YYYY-MM-DD), month (YYYY-MM) or year (YYYY) a dc:date value `v`
// starts with, as read_lenient_date() reads it (the longest that no digit
// follows); NULL otherwise. One regular expression: three cost 4 times more.
#define PG_DATE_PREFIX                                                                        \
  "substring(v COLLATE \"C\" from '^(?:[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])" \
  "(?![0-9])|[0-9]{4}-(?:0[1-9]|1[0-2])(?![0-9])|[0-9]{4}(?![0-9]))')"

// Appends the conditions every search holds to, after the record's prefix.
void add_filters(pg::BuiltStatement& statement, const SearchQuery& query) {
  auto& sql = statement.sql;
  sql += "r.metadata_prefix = 'oai_dc' ";
  if (query.deleted == DeletedFilter::kLiveOnly) sql += "AND NOT r.deleted ";
  if (query.deleted == DeletedFilter::kDeletedOnly) sql += "AND r.deleted ";
  if (query.source) sql += "AND s.name = " + statement.param(*query.source) + " ";
  if (query.set_spec) {
    const auto colon = query.set_spec->find(':');
    sql += "AND s.name = " + statement.param(query.set_spec->substr(0, colon)) + " ";
    if (colon != std::string::npos) {
      const auto set = statement.param(query.set_spec->substr(colon + 1));
      sql += "AND EXISTS (SELECT 1 FROM record_sets x WHERE x.record_id = r.id AND (x.set_spec = " +
             set + " OR left(x.set_spec, length(" + set + ") + 1) = " + set + " || ':')) ";
    }
  }
  const std::pair<const char*, const std::optional<std::string>*> elements[] = {
      {"title", &query.title},
      {"creator", &query.creator},
      {"subject", &query.subject},
      {"type", &query.type},
      {"language", &query.language}};
  for (const auto& [element, needle] : elements) {
    if (!*needle) continue;
    // A substring of the lower-cased JSON text first: four times cheaper
    // than reading the elements, and it rules most records out.
    if (const auto quick = quick_needle(**needle)) {
      sql += "AND strpos(" + ascii_lower("r.dc") + ", " + statement.param(*quick) + ") > 0 ";
    }
    sql += "AND EXISTS (SELECT 1 FROM json_array_elements(r.dc::json) e WHERE e->>0 = '" +
           std::string(element) + "' AND strpos(" + ascii_lower("e->>1") + ", " +
           ascii_lower(statement.param(**needle) + "::text") + ") > 0) ";
  }
  if (query.date_from || query.date_to) {
    const DayRange days = date_window(query);
    // Some dc:date value overlaps the days: its first day (padded with
    // 0000-01-01) is not after the last, its last (padded with 9999-12-31)
    // not before the first.
    sql += "AND strpos(r.dc, '[\"date\",') > 0 AND EXISTS (SELECT 1 FROM (SELECT " PG_DATE_PREFIX
           " AS d FROM (SELECT e->>1 AS v FROM json_array_elements(r.dc::json) e "
           "WHERE e->>0 = 'date') values_) dates WHERE d IS NOT NULL "
           "AND (d || substr('0000-01-01', length(d) + 1)) COLLATE \"C\" <= " +
           statement.param(days.last) +
           " AND (d || substr('9999-12-31', length(d) + 1)) COLLATE \"C\" >= " +
           statement.param(days.first) + ") ";
  }
}

// The columns of a hit: a served record (no namespace; as read_served()
// reads them), then its Dublin Core
// elements as element US value US lang, RS between them (control
// characters XML text cannot hold).
#define PG_HIT_COLUMNS                                                                        \
  "r.id, s.name, r.upstream_identifier, r.datestamp, r.deleted, "                             \
  "CASE WHEN %METADATA% THEN r.metadata END, r.about, r.upstream_datestamp, r.harvest_date, " \
  "coalesce(nullif(s.declared_base_url, ''), s.base_url), '', "                               \
  "(SELECT string_agg(x.set_spec, E'\\n' ORDER BY x.set_spec) FROM record_sets x "            \
  "WHERE x.record_id = r.id), "                                                               \
  "CASE WHEN NOT r.deleted THEN (SELECT string_agg(concat_ws(chr(31), e.value->>0, "          \
  "e.value->>1, coalesce(e.value->>2, '')), chr(30) ORDER BY e.n) "                           \
  "FROM json_array_elements(r.dc::json) WITH ORDINALITY AS e(value, n)) END "

SearchHit read_hit(const pg::Result& rows, int row) {
  SearchHit hit{read_served(rows, row), {}};
  for (const auto& element : split_at(rows.text(row, 12), '\x1e')) {
    const auto first = element.find('\x1f');
    const auto second = element.find('\x1f', first + 1);
    hit.dc.push_back({element.substr(0, first), element.substr(first + 1, second - first - 1),
                      element.substr(second + 1)});
  }
  return hit;
}

std::string with_metadata(const char* columns, bool metadata) {
  std::string sql = columns;
  sql.replace(sql.find("%METADATA%"), 10, metadata ? "true" : "false");
  return sql;
}

}  // namespace

void PostgresBackend::search(const SearchQuery& query,
                             const std::function<void(const SearchHit&)>& each) {
  pg::BuiltStatement statement;
  std::string matches = "FROM records r JOIN sources s ON s.id = r.source_id WHERE ";
  statement.sql = "SELECT r.id AS hit, ";
  TextQuerySql text;
  if (query.text) {
    text = text_query_sql(*query.text, statement);
    statement.sql += "coalesce(ts_rank_cd(r.fts, " + text.rank_query +
                     "), 0) + coalesce(ts_rank_cd(r.fts_other, " + text.rank_query +
                     "), 0) AS score, ";
  } else {
    statement.sql += "0 AS score, ";
  }
  statement.sql += "r.datestamp AS datestamp " + matches;
  if (query.text) statement.sql += text.condition + " AND ";
  add_filters(statement, query);
  // The best matches (by relevance; without text, the newest) first, and
  // only then their columns: ranking carries no record's XML along.
  const std::string order = query.text ? "score DESC, hit DESC" : "datestamp DESC, hit DESC";
  statement.sql += "ORDER BY " + order + " LIMIT " +
                   (query.limit > 0 ? std::to_string(query.limit) : std::string("ALL"));
  statement.sql = "SELECT " + with_metadata(PG_HIT_COLUMNS, query.with_metadata) + "FROM (" +
                  statement.sql +
                  ") top JOIN records r ON r.id = top.hit "
                  "JOIN sources s ON s.id = r.source_id ORDER BY top." +
                  (query.text ? "score DESC" : "datestamp DESC") + ", top.hit DESC";
  // A cursor keeps memory flat however many records match: the hits come
  // a batch at a time, all from one snapshot.
  pg::Transaction transaction(connection_, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  connection_.run_once("DECLARE hits NO SCROLL CURSOR FOR " + statement.sql, statement.params);
  for (;;) {
    auto rows = connection_.run("FETCH 500 FROM hits");
    for (int row = 0; row < rows.rows(); ++row) each(read_hit(rows, row));
    if (rows.rows() < 500) break;
  }
  connection_.exec("CLOSE hits");
  transaction.commit();
}

std::int64_t PostgresBackend::count(const SearchQuery& query) {
  pg::BuiltStatement statement;
  statement.sql = "SELECT count(*) FROM records r JOIN sources s ON s.id = r.source_id WHERE ";
  if (query.text) statement.sql += text_query_sql(*query.text, statement).condition + " AND ";
  add_filters(statement, query);
  return connection_.run_once(statement.sql, statement.params).integer(0, 0);
}

std::vector<std::pair<std::string, std::string>> PostgresBackend::records_of_item(
    std::string_view upstream_identifier, const std::optional<std::string>& source) {
  auto rows = connection_.run(
      "SELECT s.name, r.metadata_prefix FROM records r JOIN sources s ON s.id = r.source_id "
      "WHERE r.source_id IN (SELECT id FROM sources WHERE $2::text IS NULL OR name = $2) "
      "AND r.upstream_identifier = $1 "
      "ORDER BY s.name, r.metadata_prefix <> 'oai_dc', r.metadata_prefix",
      pg::Params().add(upstream_identifier).add(source));
  std::vector<std::pair<std::string, std::string>> keys;
  for (int row = 0; row < rows.rows(); ++row)
    keys.emplace_back(rows.text(row, 0), rows.text(row, 1));
  return keys;
}

std::vector<SourceStatus> PostgresBackend::source_status() {
  auto sources = connection_.run(
      "SELECT id, name, base_url, nullif(declared_base_url, ''), repository_name FROM sources "
      "ORDER BY name");
  std::vector<SourceStatus> result;
  for (int row = 0; row < sources.rows(); ++row) {
    const auto id = pg::Params().add(sources.integer(row, 0));
    SourceStatus status;
    status.name = sources.text(row, 1);
    status.base_url = sources.text(row, 2);
    status.declared_base_url = sources.optional_text(row, 3);
    status.repository_name = sources.optional_text(row, 4);
    auto formats = connection_.run(
        "SELECT metadata_prefix, count(*), count(*) FILTER (WHERE deleted) FROM records "
        "WHERE source_id = $1 GROUP BY metadata_prefix ORDER BY metadata_prefix",
        id);
    for (int f = 0; f < formats.rows(); ++f) {
      status.formats.push_back({formats.text(f, 0), formats.integer(f, 1), formats.integer(f, 2)});
      status.records += formats.integer(f, 1);
      status.deleted += formats.integer(f, 2);
    }
    auto run = connection_.run(
        "SELECT id, started_at, ended_at, result, records_new, records_updated, "
        "records_deleted, records_unchanged, pages, bytes, retries, error FROM harvest_runs "
        "WHERE source_id = $1 ORDER BY id DESC LIMIT 1",
        id);
    if (run.rows() > 0) {
      status.last_run =
          RunStatus{run.integer(0, 0),
                    run.text(0, 1),
                    run.optional_text(0, 2),
                    run.text(0, 3),
                    {run.integer(0, 4), run.integer(0, 5), run.integer(0, 6), run.integer(0, 7)},
                    run.integer(0, 8),
                    run.integer(0, 9),
                    run.integer(0, 10),
                    run.optional_text(0, 11)};
    }
    auto lists = connection_.run(
        "SELECT l.metadata_prefix, l.set_spec, l.next_from, l.completed_at, "
        "EXISTS (SELECT 1 FROM checkpoints c WHERE c.list_id = l.id) FROM harvest_lists l "
        "WHERE l.source_id = $1 ORDER BY l.metadata_prefix, l.set_spec",
        id);
    for (int l = 0; l < lists.rows(); ++l) {
      status.lists.push_back({lists.text(l, 0), lists.text(l, 1), lists.optional_text(l, 2),
                              lists.optional_text(l, 3), lists.boolean(l, 4)});
    }
    result.push_back(std::move(status));
  }
  return result;
}

}  // namespace store
