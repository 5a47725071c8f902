// SQL that both engines run as it is, written once. Parameters are written
// $1, $2, ... in the order they first appear: PostgreSQL numbers them by
// their digits, SQLite by first appearance, so the two agree. Known only to
// the store module.
#ifndef STORE_PORTABLE_SQL_H_
#define STORE_PORTABLE_SQL_H_

#include <string>

#include "store/store.h"

namespace store::portable_sql {

// A source's columns, in the order read_source_row() reads them.
#define OAIPMH_SOURCE_COLUMNS                                                            \
  "id, name, base_url, coalesce(declared_base_url, ''), coalesce(repository_name, ''), " \
  "granularity, deleted_record "

// The source named $1.
inline constexpr char kFindSource[] =
    "SELECT " OAIPMH_SOURCE_COLUMNS "FROM sources WHERE name = $1";

// Every source, by name.
inline constexpr char kSources[] = "SELECT " OAIPMH_SOURCE_COLUMNS "FROM sources ORDER BY name";

#undef OAIPMH_SOURCE_COLUMNS

// Every set a source declared or a record named, by source and set: source,
// set spec, name (the spec when none was declared), descriptions.
inline constexpr char kSets[] =
    "SELECT s.name, u.set_spec, coalesce(d.set_name, u.set_spec), coalesce(d.descriptions, '') "
    "FROM (SELECT source_id, set_spec FROM sets UNION "
    "      SELECT DISTINCT r.source_id, x.set_spec FROM record_sets x "
    "      JOIN records r ON r.id = x.record_id) u "
    "JOIN sources s ON s.id = u.source_id "
    "LEFT JOIN sets d ON d.source_id = u.source_id AND d.set_spec = u.set_spec "
    "ORDER BY s.name, u.set_spec";

// Every prefix records were harvested in (harvest_lists names them all, and
// is tiny), with the schema and namespace the first source declared.
inline constexpr char kFormats[] =
    "SELECT p.metadata_prefix, coalesce((SELECT f.schema_url FROM source_formats f "
    "WHERE f.metadata_prefix = p.metadata_prefix ORDER BY f.source_id LIMIT 1), ''), "
    "coalesce((SELECT f.metadata_namespace FROM source_formats f "
    "WHERE f.metadata_prefix = p.metadata_prefix ORDER BY f.source_id LIMIT 1), '') "
    "FROM (SELECT DISTINCT metadata_prefix FROM harvest_lists) p ORDER BY p.metadata_prefix";

// The value of the setting $1.
inline constexpr char kSetting[] = "SELECT value FROM settings WHERE key = $1";

// The Source of a row of kFindSource or kSources, read through an engine's
// accessors: row.integer(column), row.text(column) ('' for NULL) and
// row.optional_text(column).
template <typename Row>
Source read_source_row(const Row& row) {
  Source source;
  source.id = row.integer(0);
  source.name = row.text(1);
  source.base_url = row.text(2);
  source.declared_base_url = row.text(3);
  source.repository_name = row.text(4);
  source.granularity = row.optional_text(5);
  source.deleted_record = row.optional_text(6);
  return source;
}

// The SetInfo of a row of kSets.
template <typename Row>
SetInfo read_set_row(const Row& row) {
  SetInfo set;
  set.source = row.text(0);
  set.set_spec = row.text(1);
  set.set_name = row.text(2);
  set.descriptions = row.text(3);
  return set;
}

}  // namespace store::portable_sql

#endif  // STORE_PORTABLE_SQL_H_
