// Store::write_page: one harvested page, all or nothing.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <unordered_map>

#include "store/store.h"
#include "store/store_impl.h"

namespace store {
namespace {

// SHA-256 (hex) of everything we serve for a record, so a re-harvest that
// brings identical content keeps our datestamp (checklist G-5, AG-1).
std::string content_hash(const HarvestedRecord& record) {
  std::vector<std::string> sets = record.set_specs;
  std::sort(sets.begin(), sets.end());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    throw StoreError("cannot start SHA-256");
  }
  // Each part ends with a NUL, which XML text cannot contain, so no two
  // different records hash the same input.
  auto add = [&](std::string_view part) {
    EVP_DigestUpdate(context.get(), part.data(), part.size());
    EVP_DigestUpdate(context.get(), "", 1);
  };
  add(record.deleted ? "deleted" : "live");
  for (const auto& set : sets) add(set);
  add("");
  add(record.metadata);
  add(record.about);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest.data(), &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

// The five FTS columns: title, creator, subject, description, everything else.
std::array<std::string, 5> fts_columns(const std::vector<DcElement>& elements) {
  std::array<std::string, 5> columns;
  for (const auto& element : elements) {
    std::size_t column = 4;
    if (element.element == "title") column = 0;
    else if (element.element == "creator") column = 1;
    else if (element.element == "subject") column = 2;
    else if (element.element == "description") column = 3;
    if (!columns[column].empty()) columns[column] += '\n';
    columns[column] += element.value;
  }
  return columns;
}

// A record as the store holds it before the page is written.
struct Existing {
  std::int64_t id = 0;
  std::string hash;
  bool deleted = false;
};

// The page's records with what the store holds of each, read before any
// write so that the stamp can be taken right before the writes.
struct PlannedRecord {
  const HarvestedRecord* record;
  std::string hash;
  std::optional<Existing> existing;
};

}  // namespace

PageCounts Store::write_page(const HarvestedPage& page) {
  Impl& db = *impl_;
  sqlite::Transaction transaction(db.connection);

  auto& list = db.statement("SELECT source_id, metadata_prefix FROM harvest_lists WHERE id = ?1");
  list.bind(1, page.list_id);
  if (!list.step()) throw StoreError("write_page: no harvest list " + std::to_string(page.list_id));
  const std::int64_t source_id = list.column_int(0);
  const std::string prefix = list.column_text(1);
  list.reset();

  std::vector<PlannedRecord> plan;
  plan.reserve(page.records.size());
  auto& find = db.statement(
      "SELECT id, content_hash, deleted FROM records "
      "WHERE source_id = ?1 AND upstream_identifier = ?2 AND metadata_prefix = ?3");
  // A page that names one identifier twice keeps the last occurrence.
  std::unordered_map<std::string_view, std::size_t> planned_at;
  for (const auto& record : page.records) {
    const auto [slot, fresh] = planned_at.emplace(record.identifier, plan.size());
    if (!fresh) {
      plan[slot->second].record = &record;
      plan[slot->second].hash = content_hash(record);
      continue;
    }
    PlannedRecord planned{&record, content_hash(record), std::nullopt};
    find.bind(1, source_id).bind(2, record.identifier).bind(3, prefix);
    if (find.step()) {
      planned.existing = Existing{find.column_int(0), find.column_text(1), find.column_int(2) != 0};
    }
    find.reset();
    plan.push_back(std::move(planned));
  }

  const std::string stamp = now_datestamp();
  PageCounts counts;
  auto& upsert = db.statement(
      "INSERT INTO records (source_id, upstream_identifier, metadata_prefix, upstream_datestamp, "
      "datestamp, deleted, metadata, about, content_hash, harvest_date) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
      "ON CONFLICT (source_id, upstream_identifier, metadata_prefix) DO UPDATE SET "
      "upstream_datestamp = excluded.upstream_datestamp, datestamp = excluded.datestamp, "
      "deleted = excluded.deleted, metadata = excluded.metadata, about = excluded.about, "
      "content_hash = excluded.content_hash, harvest_date = excluded.harvest_date "
      "RETURNING id");
  auto& clear_sets = db.statement("DELETE FROM record_sets WHERE record_id = ?1");
  auto& clear_dc = db.statement("DELETE FROM dc_elements WHERE record_id = ?1");
  auto& clear_fts = db.statement("DELETE FROM dc_fts WHERE rowid = ?1");
  auto& add_set = db.statement(
      "INSERT OR IGNORE INTO record_sets (record_id, set_spec) VALUES (?1, ?2)");
  auto& add_dc = db.statement(
      "INSERT INTO dc_elements (record_id, position, element, value, lang) "
      "VALUES (?1, ?2, ?3, ?4, NULLIF(?5, ''))");
  auto& add_fts = db.statement(
      "INSERT INTO dc_fts (rowid, title, creator, subject, description, other) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");

  for (const auto& planned : plan) {
    const HarvestedRecord& record = *planned.record;
    if (planned.existing && planned.existing->hash == planned.hash) {
      ++counts.unchanged;
      continue;
    }
    if (record.deleted) {
      if (!planned.existing || !planned.existing->deleted) ++counts.deleted;
      else ++counts.updated;  // a tombstone whose sets changed
    } else {
      ++(planned.existing ? counts.updated : counts.created);
    }
    upsert.bind(1, source_id).bind(2, record.identifier).bind(3, prefix);
    upsert.bind(4, record.datestamp).bind(5, stamp).bind(6, record.deleted ? 1 : 0);
    if (record.deleted) upsert.bind_null(7); else upsert.bind(7, record.metadata);
    if (record.about.empty()) upsert.bind_null(8); else upsert.bind(8, record.about);
    upsert.bind(9, planned.hash).bind(10, page.response_date);
    if (!upsert.step()) throw StoreError("write_page: upsert returned no id");
    const std::int64_t id = upsert.column_int(0);
    upsert.reset();

    if (planned.existing) {
      clear_sets.bind(1, id).run();
      clear_dc.bind(1, id).run();
      clear_fts.bind(1, id).run();
    }
    for (const auto& set : record.set_specs) add_set.bind(1, id).bind(2, set).run();
    if (record.deleted || record.dc.empty()) continue;
    for (std::size_t i = 0; i < record.dc.size(); ++i) {
      const auto& element = record.dc[i];
      add_dc.bind(1, id).bind(2, static_cast<std::int64_t>(i)).bind(3, element.element);
      add_dc.bind(4, element.value).bind(5, element.lang).run();
    }
    const auto columns = fts_columns(record.dc);
    add_fts.bind(1, id);
    for (int c = 0; c < 5; ++c) add_fts.bind(c + 2, columns[static_cast<std::size_t>(c)]);
    add_fts.run();
  }

  if (page.continue_at) {
    const Checkpoint& at = *page.continue_at;
    db.statement(
          "INSERT OR REPLACE INTO checkpoints (list_id, window_from, window_until, "
          "first_response_date, resumption_token, page_number, updated_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind(1, page.list_id)
        .bind_optional(2, at.window_from)
        .bind_optional(3, at.window_until)
        .bind(4, at.first_response_date)
        .bind(5, at.resumption_token)
        .bind(6, at.page_number)
        .bind(7, stamp)
        .run();
  } else {
    db.statement("DELETE FROM checkpoints WHERE list_id = ?1").bind(1, page.list_id).run();
    db.statement(
          "UPDATE harvest_lists SET completed_at = ?2, next_from = CASE "
          "WHEN ?3 IS NULL THEN next_from WHEN next_from IS NULL OR next_from < ?3 THEN ?3 "
          "ELSE next_from END WHERE id = ?1")
        .bind(1, page.list_id)
        .bind(2, stamp)
        .bind_optional(3, page.next_from)
        .run();
  }

  db.statement(
        "UPDATE harvest_runs SET pages = pages + 1, bytes = bytes + ?2, "
        "records_new = records_new + ?3, records_updated = records_updated + ?4, "
        "records_deleted = records_deleted + ?5, records_unchanged = records_unchanged + ?6 "
        "WHERE id = ?1")
      .bind(1, page.run_id)
      .bind(2, static_cast<std::int64_t>(page.bytes))
      .bind(3, counts.created)
      .bind(4, counts.updated)
      .bind(5, counts.deleted)
      .bind(6, counts.unchanged)
      .run();
  if (sqlite3_changes(db.connection.get()) != 1) {
    throw StoreError("write_page: no harvest run " + std::to_string(page.run_id));
  }
  transaction.commit();
  return counts;
}

}  // namespace store
