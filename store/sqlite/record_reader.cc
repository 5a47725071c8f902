// The store's reads for the provider: keyset pages, single records, formats,
// sets. Pages cost the same at any depth: (datestamp, id) seeks in
// records_by_datestamp, never OFFSET.
#include <algorithm>

#include "store/portable_sql.h"
#include "store/sqlite/backend.h"

namespace store {
namespace {

// The columns every served record is read with (see read_served()).
#define RECORD_COLUMNS                                                                \
  "r.id, s.name, r.upstream_identifier, r.datestamp, r.deleted, "                     \
  "CASE WHEN ?9 THEN r.metadata END, r.about, r.upstream_datestamp, r.harvest_date, " \
  "coalesce(nullif(s.declared_base_url, ''), s.base_url), coalesce(f.metadata_namespace, ''), "
#define SERVED_COLUMNS                                             \
  RECORD_COLUMNS                                                   \
  "(SELECT group_concat(x.set_spec, char(10)) FROM record_sets x " \
  "WHERE x.record_id = r.id) "
// A page's records leave their setSpecs to add_set_specs(): run for each
// row, the subquery above cost a third of the page's SQLite time.
#define PAGE_COLUMNS RECORD_COLUMNS "NULL "
#define SERVED_FROM                                          \
  "FROM records r JOIN sources s ON s.id = r.source_id "     \
  "LEFT JOIN source_formats f ON f.source_id = r.source_id " \
  "AND f.metadata_prefix = r.metadata_prefix "
// ?1 prefix, ?3 until, ?4 source or NULL, ?5 upstream set or NULL.
#define FILTERS                                                                      \
  "r.metadata_prefix = ?1 AND r.datestamp <= ?3 "                                    \
  "AND (?4 IS NULL OR s.name = ?4) "                                                 \
  "AND (?5 IS NULL OR EXISTS (SELECT 1 FROM record_sets x WHERE x.record_id = r.id " \
  "AND (x.set_spec = ?5 OR substr(x.set_spec, 1, length(?5) + 1) = ?5 || ':'))) "

void bind_filters(sqlite::Statement& statement, const RecordQuery& query) {
  statement.bind(1, query.metadata_prefix).bind(3, query.until);
  statement.bind_optional(4, query.source).bind_optional(5, query.upstream_set);
}

// Changes whenever another connection commits (PRAGMA data_version) or this
// one writes (total changes): what a cache of reads must be keyed by.
std::pair<std::int64_t, std::int64_t> store_version(SqliteBackend& impl) {
  auto& pragma = impl.statement("PRAGMA data_version");
  pragma.step();
  const std::int64_t version = pragma.column_int(0);
  pragma.reset();
  return {version, sqlite3_total_changes64(impl.connection().get())};
}

// Fills in the setSpecs of `records` (read with PAGE_COLUMNS) with one
// query for the whole page, in the order the subquery gives them. A page's
// ids are usually close together (records harvested in one page of
// upstream's list, in datestamp order): then one range of record_sets' key
// holds them all and little else. Otherwise the ids are looked up one by one.
void add_set_specs(SqliteBackend& impl, std::vector<ServedRecord>& records) {
  if (records.empty()) return;
  std::vector<std::pair<std::int64_t, std::size_t>> index_of;  // id -> position in records
  index_of.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) index_of.emplace_back(records[i].id, i);
  std::sort(index_of.begin(), index_of.end());
  const std::int64_t first = index_of.front().first;
  const std::int64_t last = index_of.back().first;
  const bool close = last - first < 4 * static_cast<std::int64_t>(records.size()) + 64;
  sqlite::Statement* select = nullptr;
  if (close) {
    select = &impl.statement(
        "SELECT record_id, set_spec FROM record_sets WHERE record_id BETWEEN ?1 AND ?2 "
        "ORDER BY record_id, set_spec");
    select->bind(1, first).bind(2, last);
  } else {
    std::string ids = "[";
    for (const auto& [id, position] : index_of) {
      if (ids.size() > 1) ids += ',';
      ids += std::to_string(id);
    }
    ids += ']';
    select = &impl.statement(
        "SELECT x.record_id, x.set_spec FROM record_sets x "
        "WHERE x.record_id IN (SELECT value FROM json_each(?1)) ORDER BY x.record_id, x.set_spec");
    select->bind(1, ids);
  }
  auto next = index_of.begin();  // rows come in id order: a merge
  while (select->step()) {
    const std::int64_t id = select->column_int(0);
    while (next != index_of.end() && next->first < id) ++next;
    if (next == index_of.end()) break;
    if (next->first == id) records[next->second].set_specs.push_back(select->column_text(1));
  }
  select->reset();
}

}  // namespace

ServedRecord read_served(const sqlite::Statement& row) {
  return read_served_row(sqlite::RowReader{row});
}

// Prepared once, like every statement here: parsing BEGIN and COMMIT anew
// cost a GetRecord as much as its own query.
void SqliteBackend::begin_read() {
  statement("BEGIN").run();
  // A transaction's snapshot starts with its first read.
  auto& first_read = statement("SELECT count(*) FROM settings");
  first_read.step();
  first_read.reset();
}

void SqliteBackend::end_read() { statement("COMMIT").run(); }

std::vector<ServedRecord> SqliteBackend::list_records(const RecordQuery& query) {
  // The page starts after one (datestamp, id): the keyset position, or just
  // before `from` (the first page: every datestamp >= from). SQLite seeks on
  // a row value (datestamp, id) > (?6, ?7) by its datestamp alone and then
  // walks that second's records to the id: a harvest stamps thousands of
  // records with one second, and a page 900,000 deep cost half as much again
  // as the first. So the rest of the position's second is read by
  // (datestamp = ?6, id > ?7) and the later seconds by datestamp > ?6, each a
  // straight seek in records_by_datestamp. (Apart, `datestamp >= from` and
  // the keyset made SQLite range on the first and scan: 130 ms.)
  std::vector<ServedRecord> records;
  records.reserve(static_cast<std::size_t>(std::max<std::int64_t>(query.limit, 0)));
  const auto read = [&](sqlite::Statement& select, const std::string& datestamp) {
    bind_filters(select, query);
    select.bind(6, datestamp);
    select.bind(8, query.limit - static_cast<std::int64_t>(records.size()));
    select.bind(9, query.with_metadata ? 1 : 0);
    while (select.step()) records.push_back(read_served(select));
    select.reset();
  };
  if (query.after_datestamp < query.from) {
    read(statement("SELECT " PAGE_COLUMNS SERVED_FROM "WHERE " FILTERS
                   "AND r.datestamp >= ?6 ORDER BY r.datestamp, r.id LIMIT ?8"),
         query.from);
    add_set_specs(*this, records);
    return records;
  }
  auto& same_second = statement("SELECT " PAGE_COLUMNS SERVED_FROM "WHERE " FILTERS
                                "AND r.datestamp = ?6 AND r.id > ?7 ORDER BY r.id LIMIT ?8");
  same_second.bind(7, query.after_id);
  read(same_second, query.after_datestamp);
  if (static_cast<std::int64_t>(records.size()) < query.limit) {
    read(statement("SELECT " PAGE_COLUMNS SERVED_FROM "WHERE " FILTERS
                   "AND r.datestamp > ?6 ORDER BY r.datestamp, r.id LIMIT ?8"),
         query.after_datestamp);
  }
  add_set_specs(*this, records);
  return records;
}

std::int64_t SqliteBackend::count_records(const RecordQuery& query) {
  // Counting a million records takes a tenth of a second; a list's first
  // page is asked for far more often than the store changes.
  const std::int64_t version = store_version(*this).first;
  const std::string key = count_key(query);
  if (const auto cached = counts_.find(key, version)) return *cached;
  // Without a set, records_by_datestamp alone answers (a covering index
  // scan, 0.1 s for a million records); a set needs each record's row.
  const bool whole = !query.source && !query.upstream_set;
  auto& count =
      whole ? statement(
                  "SELECT count(*) FROM records r WHERE r.metadata_prefix = ?1 "
                  "AND r.datestamp >= ?2 AND r.datestamp <= ?3")
            : statement("SELECT count(*) " SERVED_FROM "WHERE " FILTERS "AND r.datestamp >= ?2");
  count.bind(1, query.metadata_prefix).bind(2, query.from).bind(3, query.until);
  if (!whole) count.bind_optional(4, query.source).bind_optional(5, query.upstream_set);
  count.step();
  const auto total = count.column_int(0);
  count.reset();
  counts_.remember(key, version, total);
  return total;
}

std::optional<ServedRecord> SqliteBackend::get_record(std::string_view source,
                                                      std::string_view upstream_identifier,
                                                      std::string_view metadata_prefix) {
  auto& select =
      statement("SELECT " SERVED_COLUMNS SERVED_FROM
                "WHERE s.name = ?1 AND r.upstream_identifier = ?2 AND r.metadata_prefix = ?3");
  select.bind(1, source).bind(2, upstream_identifier).bind(3, metadata_prefix).bind(9, 1);
  std::optional<ServedRecord> record;
  if (select.step()) record = read_served(select);
  select.reset();
  return record;
}

std::vector<std::string> SqliteBackend::prefixes_of(std::string_view source,
                                                    std::string_view upstream_identifier) {
  auto& select = statement(
      "SELECT r.metadata_prefix FROM records r JOIN sources s ON s.id = r.source_id "
      "WHERE s.name = ?1 AND r.upstream_identifier = ?2 ORDER BY r.metadata_prefix");
  select.bind(1, source).bind(2, upstream_identifier);
  std::vector<std::string> prefixes;
  while (select.step()) prefixes.push_back(select.column_text(0));
  select.reset();
  return prefixes;
}

std::vector<MetadataFormat> SqliteBackend::formats() {
  // Asked for by every GetRecord and list request; changes about never.
  const auto version = store_version(*this);
  if (formats_version_ == version) return formats_;
  auto& select = statement(portable_sql::kFormats);
  std::vector<MetadataFormat> formats;
  while (select.step()) {
    formats.push_back({select.column_text(0), select.column_text(1), select.column_text(2)});
  }
  select.reset();
  formats_ = formats;
  formats_version_ = version;
  return formats;
}

std::optional<std::string> SqliteBackend::earliest_datestamp() {
  auto& select = statement("SELECT min(datestamp) FROM records");
  select.step();
  auto earliest = select.column_optional_text(0);
  select.reset();
  return earliest;
}

std::vector<Source> SqliteBackend::sources() {
  auto& select = statement(portable_sql::kSources);
  std::vector<Source> sources;
  while (select.step()) sources.push_back(portable_sql::read_source_row(sqlite::RowReader{select}));
  select.reset();
  return sources;
}

std::vector<SetInfo> SqliteBackend::sets() {
  auto& select = statement(portable_sql::kSets);
  std::vector<SetInfo> sets;
  while (select.step()) sets.push_back(portable_sql::read_set_row(sqlite::RowReader{select}));
  select.reset();
  return sets;
}

std::string SqliteBackend::setting(std::string_view key) {
  auto& select = statement(portable_sql::kSetting);
  select.bind(1, key);
  std::string value;
  if (select.step()) value = select.column_text(0);
  select.reset();
  return value;
}

}  // namespace store
