// SqliteBackend::write_pages: harvested pages, all or nothing.
#include <algorithm>
#include <memory>
#include <string>
#include <unordered_map>

#include "store/prepared_records.h"
#include "store/sqlite/backend.h"

namespace store {
namespace {

// A record's text as the index holds it, to take it out again: a contentless
// FTS5 table removes a row only given the values it was indexed with.
struct IndexedText {
  std::int64_t id;
  TextColumns columns;
};

// Writes one page inside the transaction its caller holds.
class PageWriter {
 public:
  PageWriter(SqliteBackend& db, const HarvestedPage& page)
      : db_(db), page_(page), prepared_(&prepared_of(page, owned_)) {}

  PageCounts write() {
    read_list();
    // Everything is read before the clock is taken, so the stamp precedes
    // the commit only by the time the writes take (DESIGN.md).
    const auto plan = plan_records();
    stamp_ = now_datestamp();
    for (const auto& planned : plan) write_record(planned);
    if (sweeping_) remember_seen();
    if (page_.continue_at) {
      save_checkpoint();
    } else {
      if (sweeping_) finish_sweep();
      complete_list();
    }
    update_run();
    // Last, because FTS5 flushes its pending terms whenever a later
    // statement of the transaction opens a savepoint: interleaved with the
    // other writes, that flush made every page several times slower.
    write_text_index();
    return counts_;
  }

 private:
  void read_list() {
    auto& list = db_.statement(
        "SELECT l.source_id, l.metadata_prefix, s.list_id IS NOT NULL "
        "FROM harvest_lists l LEFT JOIN sweeps s ON s.list_id = l.id WHERE l.id = ?1");
    list.bind(1, page_.list_id);
    if (!list.step())
      throw StoreError("write_page: no harvest list " + std::to_string(page_.list_id));
    source_id_ = list.column_int(0);
    prefix_ = list.column_text(1);
    sweeping_ = list.column_int(2) != 0;
    list.reset();
  }

  std::vector<PlannedRecord> plan_records() {
    std::vector<PlannedRecord> plan;
    plan.reserve(page_.records.size());
    auto& find = db_.statement(
        "SELECT id, content_hash, deleted FROM records "
        "WHERE source_id = ?1 AND upstream_identifier = ?2 AND metadata_prefix = ?3");
    // A page that names one identifier twice keeps the last occurrence.
    std::unordered_map<std::string_view, std::size_t> planned_at;
    for (std::size_t i = 0; i < page_.records.size(); ++i) {
      const HarvestedRecord& record = page_.records[i];
      const PreparedRecords::Record* prepared = &prepared_->records[i];
      const auto [slot, fresh] = planned_at.emplace(record.identifier, plan.size());
      if (!fresh) {
        plan[slot->second].record = &record;
        plan[slot->second].prepared = prepared;
        continue;
      }
      PlannedRecord planned{&record, prepared, std::nullopt};
      find.bind(1, source_id_).bind(2, record.identifier).bind(3, prefix_);
      if (find.step()) {
        planned.existing =
            Existing{find.column_int(0), find.column_text(1), find.column_int(2) != 0};
      }
      find.reset();
      plan.push_back(std::move(planned));
    }
    return plan;
  }

  void count(const PlannedRecord& planned) {
    const bool existed = planned.existing.has_value();
    if (planned.record->deleted) {
      ++((existed && planned.existing->deleted) ? counts_.updated : counts_.deleted);
    } else {
      ++(existed ? counts_.updated : counts_.created);
    }
  }

  void write_record(const PlannedRecord& planned) {
    const HarvestedRecord& record = *planned.record;
    if (planned.existing && planned.existing->hash == planned.prepared->hash) {
      ++counts_.unchanged;
      return;
    }
    count(planned);
    check_dublin_core(record);
    // Read before the upsert replaces records.dc, which dc_fts_text reads.
    if (planned.existing) remember_indexed_text(planned.existing->id);
    auto& upsert = db_.statement(
        "INSERT INTO records (source_id, upstream_identifier, metadata_prefix, "
        "upstream_datestamp, datestamp, deleted, metadata, about, dc, content_hash, harvest_date) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULLIF(?7, ''), NULLIF(?8, ''), NULLIF(?11, ''), ?9, ?10) "
        "ON CONFLICT (source_id, upstream_identifier, metadata_prefix) DO UPDATE SET "
        "upstream_datestamp = excluded.upstream_datestamp, datestamp = excluded.datestamp, "
        "deleted = excluded.deleted, metadata = excluded.metadata, about = excluded.about, "
        "dc = excluded.dc, content_hash = excluded.content_hash, "
        "harvest_date = excluded.harvest_date RETURNING id");
    upsert.bind(1, source_id_).bind(2, record.identifier).bind(3, prefix_);
    upsert.bind(4, record.datestamp).bind(5, stamp_).bind(6, record.deleted ? 1 : 0);
    upsert.bind(7, record.deleted ? std::string_view() : std::string_view(record.metadata));
    upsert.bind(8, record.about).bind(9, planned.prepared->hash).bind(10, page_.response_date);
    upsert.bind(11, planned.prepared->dc_json);
    if (!upsert.step()) throw StoreError("write_page: upsert returned no id");
    const std::int64_t id = upsert.column_int(0);
    upsert.reset();

    if (planned.existing) {
      db_.statement("DELETE FROM record_sets WHERE record_id = ?1").bind(1, id).run();
    }
    auto& add_set =
        db_.statement("INSERT OR IGNORE INTO record_sets (record_id, set_spec) VALUES (?1, ?2)");
    for (const auto& set : record.set_specs) add_set.bind(1, id).bind(2, set).run();
    // What `oaipmh query` searches: the oai_dc records (as dc_fts_text says).
    if (!planned.prepared->dc_json.empty() && prefix_ == "oai_dc") {
      indexed_.emplace_back(id, &planned.prepared->text);
    }
  }

  // Keeps what the index holds of record `id`, before the record changes.
  void remember_indexed_text(std::int64_t id) {
    auto& text = db_.statement(
        "SELECT title, creator, subject, description, other FROM dc_fts_text WHERE record_id = ?1");
    text.bind(1, id);
    if (text.step()) {
      IndexedText indexed{id, {}};
      for (int c = 0; c < 5; ++c)
        indexed.columns[static_cast<std::size_t>(c)] = text.column_text(c);
      unindexed_.push_back(std::move(indexed));
    }
    text.reset();
  }

  void write_text_index() {
    auto& forget = db_.statement(
        "INSERT INTO dc_fts (dc_fts, rowid, title, creator, subject, description, other) "
        "VALUES ('delete', ?1, ?2, ?3, ?4, ?5, ?6)");
    for (const auto& [id, columns] : unindexed_) {
      forget.bind(1, id);
      for (int c = 0; c < 5; ++c) forget.bind(c + 2, columns[static_cast<std::size_t>(c)]);
      forget.run();
    }
    auto& index = db_.statement(
        "INSERT INTO dc_fts (rowid, title, creator, subject, description, other) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    for (const auto& [id, columns] : indexed_) {
      index.bind(1, id);
      for (int c = 0; c < 5; ++c) index.bind(c + 2, (*columns)[static_cast<std::size_t>(c)]);
      index.run();
    }
  }

  void remember_seen() {
    auto& seen = db_.statement(
        "INSERT OR IGNORE INTO sweep_seen (list_id, upstream_identifier) VALUES (?1, ?2)");
    for (const auto& record : page_.records)
      seen.bind(1, page_.list_id).bind(2, record.identifier).run();
  }

  // The live records of the list's source and format that the sweep did not
  // see become tombstones (HV-11).
  void finish_sweep() {
    std::vector<std::int64_t> unseen;
    auto& select = db_.statement(
        "SELECT id FROM records r WHERE source_id = ?1 AND metadata_prefix = ?2 AND NOT deleted "
        "AND NOT EXISTS (SELECT 1 FROM sweep_seen s WHERE s.list_id = ?3 "
        "AND s.upstream_identifier = r.upstream_identifier)");
    select.bind(1, source_id_).bind(2, prefix_).bind(3, page_.list_id);
    while (select.step()) unseen.push_back(select.column_int(0));
    select.reset();
    auto& sets = db_.statement("SELECT set_spec FROM record_sets WHERE record_id = ?1");
    auto& bury = db_.statement(
        "UPDATE records SET deleted = 1, metadata = NULL, about = NULL, dc = NULL, "
        "datestamp = ?2, content_hash = ?3 WHERE id = ?1");
    for (const auto id : unseen) {
      remember_indexed_text(id);
      std::vector<std::string> specs;
      sets.bind(1, id);
      while (sets.step()) specs.push_back(sets.column_text(0));
      sets.reset();
      bury.bind(1, id).bind(2, stamp_).bind(3, content_hash(true, specs, "", "")).run();
      ++counts_.deleted;
    }
    db_.statement("DELETE FROM sweeps WHERE list_id = ?1").bind(1, page_.list_id).run();
  }

  void save_checkpoint() {
    const Checkpoint& at = *page_.continue_at;
    db_.statement(
           "INSERT OR REPLACE INTO checkpoints (list_id, window_from, window_until, "
           "first_response_date, resumption_token, page_number, updated_at) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind(1, page_.list_id)
        .bind_optional(2, at.window_from)
        .bind_optional(3, at.window_until)
        .bind(4, at.first_response_date)
        .bind(5, at.resumption_token)
        .bind(6, at.page_number)
        .bind(7, stamp_)
        .run();
  }

  // The list is complete: no checkpoint, and the watermark moves forward only.
  void complete_list() {
    db_.statement("DELETE FROM checkpoints WHERE list_id = ?1").bind(1, page_.list_id).run();
    db_.statement(
           "UPDATE harvest_lists SET completed_at = ?2, next_from = CASE "
           "WHEN ?3 IS NULL THEN next_from WHEN next_from IS NULL OR next_from < ?3 THEN ?3 "
           "ELSE next_from END WHERE id = ?1")
        .bind(1, page_.list_id)
        .bind(2, stamp_)
        .bind_optional(3, page_.next_from)
        .run();
  }

  void update_run() {
    db_.statement(
           "UPDATE harvest_runs SET pages = pages + 1, bytes = bytes + ?2, "
           "records_new = records_new + ?3, records_updated = records_updated + ?4, "
           "records_deleted = records_deleted + ?5, "
           "records_unchanged = records_unchanged + ?6 WHERE id = ?1")
        .bind(1, page_.run_id)
        .bind(2, static_cast<std::int64_t>(page_.bytes))
        .bind(3, counts_.created)
        .bind(4, counts_.updated)
        .bind(5, counts_.deleted)
        .bind(6, counts_.unchanged)
        .run();
    if (sqlite3_changes(db_.connection().get()) != 1) {
      throw StoreError("write_page: no harvest run " + std::to_string(page_.run_id));
    }
  }

  SqliteBackend& db_;
  const HarvestedPage& page_;
  std::int64_t source_id_ = 0;
  std::string prefix_;
  bool sweeping_ = false;  // a full harvest of this list is in progress
  std::string stamp_;      // our datestamp for what this page changes
  PageCounts counts_;
  std::vector<IndexedText> unindexed_;  // old text that leaves the index
  std::vector<std::pair<std::int64_t, const TextColumns*>> indexed_;  // new text
  PreparedRecords owned_;  // when the page came unprepared
  const PreparedRecords* prepared_ = nullptr;
};

}  // namespace

std::vector<PageCounts> SqliteBackend::write_pages(const std::vector<const HarvestedPage*>& pages) {
  sqlite::Transaction transaction(connection_);
  std::vector<PageCounts> counts;
  counts.reserve(pages.size());
  for (const HarvestedPage* page : pages) counts.push_back(PageWriter(*this, *page).write());
  transaction.commit();
  return counts;
}

}  // namespace store
