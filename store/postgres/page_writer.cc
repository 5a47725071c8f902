// PostgresBackend::write_pages: harvested pages, all or nothing, with the
// SQLite engine's semantics (page_writer.cc) in a few statements a page
// rather than several a record: each statement takes the page's records as
// arrays, sent in PostgreSQL's binary array format (no quoting to get wrong,
// nothing to parse) and spread into rows with unnest().
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/postgres/backend.h"
#include "store/prepared_records.h"

namespace store {
using pg::BinaryArray;

namespace {

// The records of a page whose content changed, as the upsert's arrays
// (parameters $5 to $16), index for index.
struct ChangedRecords {
  void add(const PlannedRecord& planned, bool indexed) {
    const HarvestedRecord& record = *planned.record;
    records.emplace(record.identifier, &record);
    if (planned.existing) replaced_ids.add(planned.existing->id);
    identifiers.add(record.identifier);
    upstream_datestamps.add(record.datestamp);
    deleted.add(record.deleted);
    metadata.add_or_null(record.deleted ? std::string_view() : std::string_view(record.metadata));
    about.add_or_null(record.about);
    dc.add_or_null(planned.prepared->dc_json);
    hashes.add(planned.prepared->hash);
    for (std::size_t c = 0; c < text.size(); ++c) {
      if (indexed)
        text[c].add(split_words(planned.prepared->text[c]));
      else
        text[c].add_null();
    }
  }

  void add_arrays(pg::Params& params) const {
    for (const auto* array : {&identifiers, &upstream_datestamps, &deleted, &metadata, &about, &dc,
                              &hashes, &text[0], &text[1], &text[2], &text[3], &text[4]}) {
      params.bytes(array->encoded());
    }
  }

  std::unordered_map<std::string_view, const HarvestedRecord*> records;  // by identifier
  BinaryArray replaced_ids{BinaryArray::kBigint};  // of those the store held: their sets go
  BinaryArray identifiers{BinaryArray::kText};
  BinaryArray upstream_datestamps{BinaryArray::kText};
  BinaryArray deleted{BinaryArray::kBoolean};
  BinaryArray metadata{BinaryArray::kText};
  BinaryArray about{BinaryArray::kText};
  BinaryArray dc{BinaryArray::kText};
  BinaryArray hashes{BinaryArray::kText};
  // The full-text columns (TextColumns), NULL when the record is not indexed.
  std::array<BinaryArray, 5> text{BinaryArray(BinaryArray::kText), BinaryArray(BinaryArray::kText),
                                  BinaryArray(BinaryArray::kText), BinaryArray(BinaryArray::kText),
                                  BinaryArray(BinaryArray::kText)};
};

// Writes one page inside the transaction its caller holds.
class PageWriter {
 public:
  PageWriter(PostgresBackend& db, const HarvestedPage& page)
      : db_(db), page_(page), prepared_(&prepared_of(page, owned_)) {}

  PageCounts write() {
    read_list();
    // Everything is read before the clock is taken, so the stamp precedes
    // the commit only by the time the writes take (DESIGN.md).
    const auto plan = plan_records();
    stamp_ = now_datestamp();
    write_records(plan);
    if (sweeping_) remember_seen(plan);
    if (page_.continue_at) {
      save_checkpoint();
    } else {
      if (sweeping_) finish_sweep();
      complete_list();
    }
    update_run();
    return counts_;
  }

 private:
  pg::Connection& connection() { return db_.connection(); }

  void read_list() {
    auto list = connection().run(
        "SELECT l.source_id, l.metadata_prefix, s.list_id IS NOT NULL "
        "FROM harvest_lists l LEFT JOIN sweeps s ON s.list_id = l.id WHERE l.id = $1",
        pg::Params().add(page_.list_id));
    if (list.rows() == 0) {
      throw StoreError("write_page: no harvest list " + std::to_string(page_.list_id));
    }
    source_id_ = list.integer(0, 0);
    prefix_ = list.text(0, 1);
    sweeping_ = list.boolean(0, 2);
  }

  // The page's records, each identifier once (the last occurrence wins, in
  // the place of the first), with what the store holds of them: one query.
  std::vector<PlannedRecord> plan_records() {
    std::vector<PlannedRecord> plan;
    plan.reserve(page_.records.size());
    std::unordered_map<std::string_view, std::size_t> planned_at;
    BinaryArray identifiers(BinaryArray::kText);
    for (std::size_t i = 0; i < page_.records.size(); ++i) {
      const HarvestedRecord& record = page_.records[i];
      const PreparedRecords::Record* prepared = &prepared_->records[i];
      const auto [slot, fresh] = planned_at.emplace(record.identifier, plan.size());
      if (!fresh) {
        plan[slot->second].record = &record;
        plan[slot->second].prepared = prepared;
        continue;
      }
      plan.push_back({&record, prepared, std::nullopt});
      identifiers.add(record.identifier);
    }
    if (plan.empty()) return plan;
    // One index lookup an identifier, whatever the planner thinks of the
    // table: with `upstream_identifier = ANY($3)` and no statistics yet (a
    // store's first harvest) it scanned the source's every record instead,
    // 20 ms a page at 10,000 records. LIMIT keeps the subquery a lookup.
    auto found = connection().run(
        "SELECT i.identifier, r.id, r.content_hash, r.deleted "
        "FROM unnest($3::text[]) AS i (identifier) CROSS JOIN LATERAL ("
        "SELECT id, content_hash, deleted FROM records WHERE source_id = $1 "
        "AND upstream_identifier = i.identifier AND metadata_prefix = $2 LIMIT 1) AS r",
        pg::Params().add(source_id_).add(prefix_).bytes(identifiers.encoded()));
    for (int row = 0; row < found.rows(); ++row) {
      const auto at = planned_at.find(found.text(row, 0));
      if (at == planned_at.end()) continue;  // cannot happen: asked for these only
      plan[at->second].existing =
          Existing{found.integer(row, 1), found.text(row, 2), found.boolean(row, 3)};
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

  // Upserts every record whose content changed, then replaces their sets.
  void write_records(const std::vector<PlannedRecord>& plan) {
    ChangedRecords changed;
    // What `oaipmh query` searches: the live oai_dc records with Dublin
    // Core, as SQLite's dc_fts indexes them.
    const bool indexes = prefix_ == "oai_dc";
    for (const auto& planned : plan) {
      if (planned.existing && planned.existing->hash == planned.prepared->hash) {
        ++counts_.unchanged;
        continue;
      }
      count(planned);
      check_dublin_core(*planned.record);
      changed.add(planned, indexes && !planned.prepared->dc_json.empty());
    }
    if (changed.records.empty()) return;
    if (!changed.replaced_ids.empty()) {
      connection().run(
          "DELETE FROM record_sets s USING unnest($1::bigint[]) AS r (id) WHERE s.record_id = r.id",
          pg::Params().bytes(changed.replaced_ids.encoded()));
    }
    write_sets(upsert(changed), changed);
  }

  // Inserts or replaces the changed records; returns (id, identifier) rows.
  pg::Result upsert(const ChangedRecords& changed) {
    pg::Params params;
    params.add(source_id_).add(prefix_).add(stamp_).add(page_.response_date);
    changed.add_arrays(params);
    // The text columns are NULL for a record that is not indexed.
    auto upserted = connection().run(
        "INSERT INTO records (source_id, upstream_identifier, metadata_prefix, "
        "upstream_datestamp, datestamp, deleted, metadata, about, dc, content_hash, harvest_date, "
        "fts, fts_other) "
        "SELECT $1::bigint, r.identifier, $2::text, r.upstream_datestamp, $3::text, r.deleted, "
        "r.metadata, r.about, r.dc, r.hash, $4::text, "
        "CASE WHEN r.title IS NOT NULL THEN "
        "setweight(to_tsvector('oaipmh_text', r.title), 'A') || "
        "setweight(to_tsvector('oaipmh_text', r.creator), 'B') || "
        "setweight(to_tsvector('oaipmh_text', r.subject), 'C') || "
        "setweight(to_tsvector('oaipmh_text', r.description), 'D') END, "
        "CASE WHEN r.title IS NOT NULL THEN to_tsvector('oaipmh_text', r.other) END "
        "FROM unnest($5::text[], $6::text[], $7::boolean[], $8::text[], $9::text[], $10::text[], "
        "$11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[]) "
        "AS r (identifier, upstream_datestamp, deleted, metadata, about, dc, hash, "
        "title, creator, subject, description, other) "
        "ON CONFLICT (source_id, upstream_identifier, metadata_prefix) DO UPDATE SET "
        "upstream_datestamp = excluded.upstream_datestamp, datestamp = excluded.datestamp, "
        "deleted = excluded.deleted, metadata = excluded.metadata, about = excluded.about, "
        "dc = excluded.dc, content_hash = excluded.content_hash, "
        "harvest_date = excluded.harvest_date, fts = excluded.fts, fts_other = excluded.fts_other "
        "RETURNING id, upstream_identifier",
        params);
    if (upserted.rows() != static_cast<int>(changed.records.size())) {
      throw StoreError("write_page: the upsert returned " + std::to_string(upserted.rows()) +
                       " rows for " + std::to_string(changed.records.size()) + " records");
    }
    return upserted;
  }

  void write_sets(const pg::Result& upserted, const ChangedRecords& changed) {
    BinaryArray set_records(BinaryArray::kBigint), set_specs(BinaryArray::kText);
    for (int row = 0; row < upserted.rows(); ++row) {
      const std::int64_t id = upserted.integer(row, 0);
      for (const auto& set : changed.records.at(upserted.text(row, 1))->set_specs) {
        set_records.add(id);
        set_specs.add(set);
      }
    }
    if (set_records.empty()) return;
    connection().run(
        "INSERT INTO record_sets (record_id, set_spec) "
        "SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT DO NOTHING",
        pg::Params().bytes(set_records.encoded()).bytes(set_specs.encoded()));
  }

  void remember_seen(const std::vector<PlannedRecord>& plan) {
    if (plan.empty()) return;
    BinaryArray identifiers(BinaryArray::kText);
    for (const auto& planned : plan) identifiers.add(planned.record->identifier);
    connection().run(
        "INSERT INTO sweep_seen (list_id, upstream_identifier) "
        "SELECT $1::bigint, unnest($2::text[]) ON CONFLICT DO NOTHING",
        pg::Params().add(page_.list_id).bytes(identifiers.encoded()));
  }

  // The live records of the list's source and format that the sweep did not
  // see become tombstones (HV-11), keeping their sets (S-7).
  void finish_sweep() {
    auto unseen = connection().run(
        "SELECT r.id, s.set_spec FROM records r LEFT JOIN record_sets s ON s.record_id = r.id "
        "WHERE r.source_id = $1 AND r.metadata_prefix = $2 AND NOT r.deleted "
        "AND NOT EXISTS (SELECT 1 FROM sweep_seen w WHERE w.list_id = $3 "
        "AND w.upstream_identifier = r.upstream_identifier) ORDER BY r.id",
        pg::Params().add(source_id_).add(prefix_).add(page_.list_id));
    BinaryArray ids(BinaryArray::kBigint), hashes(BinaryArray::kText);
    for (int row = 0; row < unseen.rows();) {
      const std::int64_t id = unseen.integer(row, 0);
      std::vector<std::string> specs;
      for (; row < unseen.rows() && unseen.integer(row, 0) == id; ++row) {
        if (!unseen.is_null(row, 1)) specs.push_back(unseen.text(row, 1));
      }
      ids.add(id);
      hashes.add(content_hash(true, std::move(specs), "", ""));
      ++counts_.deleted;
    }
    if (!ids.empty()) {
      connection().run(
          "UPDATE records r SET deleted = true, metadata = NULL, about = NULL, dc = NULL, "
          "fts = NULL, fts_other = NULL, datestamp = $1, content_hash = u.hash "
          "FROM unnest($2::bigint[], $3::text[]) AS u (id, hash) WHERE r.id = u.id",
          pg::Params().add(stamp_).bytes(ids.encoded()).bytes(hashes.encoded()));
    }
    connection().run("DELETE FROM sweeps WHERE list_id = $1", pg::Params().add(page_.list_id));
  }

  void save_checkpoint() {
    const Checkpoint& at = *page_.continue_at;
    connection().run(
        "INSERT INTO checkpoints (list_id, window_from, window_until, first_response_date, "
        "resumption_token, page_number, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "ON CONFLICT (list_id) DO UPDATE SET window_from = excluded.window_from, "
        "window_until = excluded.window_until, "
        "first_response_date = excluded.first_response_date, "
        "resumption_token = excluded.resumption_token, page_number = excluded.page_number, "
        "updated_at = excluded.updated_at",
        pg::Params()
            .add(page_.list_id)
            .add(at.window_from)
            .add(at.window_until)
            .add(at.first_response_date)
            .add(at.resumption_token)
            .add(at.page_number)
            .add(stamp_));
  }

  // The list is complete: no checkpoint, and the watermark moves forward
  // only, compared as bytes (as SQLite compares it) whatever the database's
  // collation.
  void complete_list() {
    connection().run("DELETE FROM checkpoints WHERE list_id = $1", pg::Params().add(page_.list_id));
    connection().run(
        "UPDATE harvest_lists SET completed_at = $2, next_from = CASE "
        "WHEN $3::text IS NULL THEN next_from "
        "WHEN next_from IS NULL OR next_from COLLATE \"C\" < $3::text THEN $3::text "
        "ELSE next_from END WHERE id = $1",
        pg::Params().add(page_.list_id).add(stamp_).add(page_.next_from));
  }

  void update_run() {
    auto updated = connection().run(
        "UPDATE harvest_runs SET pages = pages + 1, bytes = bytes + $2, "
        "records_new = records_new + $3, records_updated = records_updated + $4, "
        "records_deleted = records_deleted + $5, "
        "records_unchanged = records_unchanged + $6 WHERE id = $1",
        pg::Params()
            .add(page_.run_id)
            .add(static_cast<std::int64_t>(page_.bytes))
            .add(counts_.created)
            .add(counts_.updated)
            .add(counts_.deleted)
            .add(counts_.unchanged));
    if (updated.affected() != 1) {
      throw StoreError("write_page: no harvest run " + std::to_string(page_.run_id));
    }
  }

  PostgresBackend& db_;
  const HarvestedPage& page_;
  std::int64_t source_id_ = 0;
  std::string prefix_;
  bool sweeping_ = false;  // a full harvest of this list is in progress
  std::string stamp_;      // our datestamp for what this page changes
  PageCounts counts_;
  PreparedRecords owned_;  // when the page came unprepared
  const PreparedRecords* prepared_ = nullptr;
};

}  // namespace

std::vector<PageCounts> PostgresBackend::write_pages(
    const std::vector<const HarvestedPage*>& pages) {
  pg::Transaction transaction(connection_);
  std::vector<PageCounts> counts;
  counts.reserve(pages.size());
  for (const HarvestedPage* page : pages) counts.push_back(PageWriter(*this, *page).write());
  transaction.commit();
  return counts;
}

}  // namespace store
