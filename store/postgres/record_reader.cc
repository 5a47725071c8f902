// The PostgreSQL store's reads for the provider, giving what
// record_reader.cc gives on SQLite: the same records, in the same orders.
// Pages cost the same at any depth: a row comparison (datestamp, id) > (...)
// that PostgreSQL seeks on records_by_datestamp, never OFFSET.
#include <algorithm>

#include "store/portable_sql.h"
#include "store/postgres/backend.h"

namespace store {
namespace {

// The columns every served record is read with (see read_served());
// `with_metadata` is SQL saying whether to read the metadata.
#define PG_RECORD_COLUMNS(with_metadata)                                           \
  "r.id, s.name, r.upstream_identifier, r.datestamp, r.deleted, "                  \
  "CASE WHEN " with_metadata                                                       \
  " THEN r.metadata END, r.about, r.upstream_datestamp, "                          \
  "r.harvest_date, coalesce(nullif(s.declared_base_url, ''), s.base_url), "        \
  "coalesce(f.metadata_namespace, ''), "                                           \
  "(SELECT string_agg(x.set_spec, E'\\n' ORDER BY x.set_spec) FROM record_sets x " \
  "WHERE x.record_id = r.id) "
#define PG_SERVED_FROM                                       \
  "FROM records r JOIN sources s ON s.id = r.source_id "     \
  "LEFT JOIN source_formats f ON f.source_id = r.source_id " \
  "AND f.metadata_prefix = r.metadata_prefix "
// $1 prefix, $3 until, $4 source or NULL, $5 upstream set or NULL: the set
// itself or one below it, by whole parts (S-3).
#define PG_FILTERS                                                                         \
  "r.metadata_prefix = $1 AND r.datestamp <= $3 "                                          \
  "AND ($4::text IS NULL OR s.name = $4) "                                                 \
  "AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM record_sets x WHERE x.record_id = r.id " \
  "AND (x.set_spec = $5 OR left(x.set_spec, length($5) + 1) = $5 || ':'))) "

}  // namespace

ServedRecord read_served(const pg::Result& rows, int row) {
  return read_served_row(pg::RowReader{rows, row});
}

// One snapshot for the whole request: its pages, its count and its token
// agree even while a harvest commits pages meanwhile.
void PostgresBackend::begin_read() {
  connection_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

void PostgresBackend::end_read() { connection_.exec("COMMIT"); }

std::vector<ServedRecord> PostgresBackend::list_records(const RecordQuery& query) {
  // The page starts after one (datestamp, id): the keyset position, or just
  // before `from` (the first page: ids start at 1, so (from, 0) precedes
  // every record of that second). PostgreSQL seeks on the row comparison
  // with records_by_datestamp's (metadata_prefix, datestamp, id) and stops
  // after the limit, at any depth.
  const bool first_page = query.after_datestamp < query.from;
  auto rows = connection_.run("SELECT " PG_RECORD_COLUMNS("$9::boolean") PG_SERVED_FROM
                              "WHERE " PG_FILTERS
                              "AND r.datestamp >= $2 AND (r.datestamp, r.id) > ($6, $7::bigint) "
                              "ORDER BY r.datestamp, r.id LIMIT $8::bigint",
                              pg::Params()
                                  .add(query.metadata_prefix)
                                  .add(query.from)
                                  .add(query.until)
                                  .add(query.source)
                                  .add(query.upstream_set)
                                  .add(first_page ? query.from : query.after_datestamp)
                                  .add(first_page ? std::int64_t{0} : query.after_id)
                                  .add(std::int64_t{std::max(query.limit, 0)})
                                  .add(query.with_metadata));
  std::vector<ServedRecord> records;
  records.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) records.push_back(read_served(rows, row));
  return records;
}

std::int64_t PostgresBackend::count_records(const RecordQuery& query) {
  const std::string snapshot = connection_.run("SELECT pg_current_snapshot()::text").text(0, 0);
  const std::string key = count_key(query);
  if (const auto cached = counts_.find(key, snapshot)) return *cached;
  // Without a source or set, records_by_datestamp alone answers (an index
  // only scan once vacuum has marked the pages visible).
  const bool whole = !query.source && !query.upstream_set;
  auto rows = whole ? connection_.run(
                          "SELECT count(*) FROM records r WHERE r.metadata_prefix = $1 "
                          "AND r.datestamp >= $2 AND r.datestamp <= $3",
                          pg::Params().add(query.metadata_prefix).add(query.from).add(query.until))
                    : connection_.run(
                          "SELECT count(*) FROM records r JOIN sources s "
                          "ON s.id = r.source_id WHERE " PG_FILTERS "AND r.datestamp >= $2",
                          pg::Params()
                              .add(query.metadata_prefix)
                              .add(query.from)
                              .add(query.until)
                              .add(query.source)
                              .add(query.upstream_set));
  const auto total = rows.integer(0, 0);
  counts_.remember(key, snapshot, total);
  return total;
}

std::optional<ServedRecord> PostgresBackend::get_record(std::string_view source,
                                                        std::string_view upstream_identifier,
                                                        std::string_view metadata_prefix) {
  auto rows =
      connection_.run("SELECT " PG_RECORD_COLUMNS("true") PG_SERVED_FROM
                      "WHERE s.name = $1 AND r.upstream_identifier = $2 AND r.metadata_prefix = $3",
                      pg::Params().add(source).add(upstream_identifier).add(metadata_prefix));
  if (rows.rows() == 0) return std::nullopt;
  return read_served(rows, 0);
}

std::vector<std::string> PostgresBackend::prefixes_of(std::string_view source,
                                                      std::string_view upstream_identifier) {
  auto rows = connection_.run(
      "SELECT r.metadata_prefix FROM records r JOIN sources s ON s.id = r.source_id "
      "WHERE s.name = $1 AND r.upstream_identifier = $2 ORDER BY r.metadata_prefix",
      pg::Params().add(source).add(upstream_identifier));
  std::vector<std::string> prefixes;
  for (int row = 0; row < rows.rows(); ++row) prefixes.push_back(rows.text(row, 0));
  return prefixes;
}

std::vector<MetadataFormat> PostgresBackend::formats() {
  auto rows = connection_.run(portable_sql::kFormats);
  std::vector<MetadataFormat> formats;
  for (int row = 0; row < rows.rows(); ++row) {
    formats.push_back({rows.text(row, 0), rows.text(row, 1), rows.text(row, 2)});
  }
  return formats;
}

std::optional<std::string> PostgresBackend::earliest_datestamp() {
  // min() over records_by_datestamp's second column is not one seek as in
  // SQLite: the least datestamp of each prefix, each the first of its range.
  auto rows = connection_.run(
      "WITH RECURSIVE prefixes(p) AS ("
      "(SELECT metadata_prefix FROM records ORDER BY metadata_prefix LIMIT 1) UNION ALL "
      "SELECT (SELECT r.metadata_prefix FROM records r WHERE r.metadata_prefix > prefixes.p "
      "ORDER BY r.metadata_prefix LIMIT 1) FROM prefixes WHERE prefixes.p IS NOT NULL) "
      "SELECT min((SELECT r.datestamp FROM records r WHERE r.metadata_prefix = prefixes.p "
      "ORDER BY r.datestamp LIMIT 1)) FROM prefixes WHERE prefixes.p IS NOT NULL");
  return rows.optional_text(0, 0);
}

std::vector<Source> PostgresBackend::sources() {
  auto rows = connection_.run(portable_sql::kSources);
  std::vector<Source> sources;
  for (int row = 0; row < rows.rows(); ++row) {
    sources.push_back(portable_sql::read_source_row(pg::RowReader{rows, row}));
  }
  return sources;
}

std::vector<SetInfo> PostgresBackend::sets() {
  auto rows = connection_.run(portable_sql::kSets);
  std::vector<SetInfo> sets;
  for (int row = 0; row < rows.rows(); ++row) {
    sets.push_back(portable_sql::read_set_row(pg::RowReader{rows, row}));
  }
  return sets;
}

std::string PostgresBackend::setting(std::string_view key) {
  auto rows = connection_.run(portable_sql::kSetting, pg::Params().add(key));
  return rows.rows() == 0 ? std::string() : rows.text(0, 0);
}

}  // namespace store
