// oaipmh status: what a store holds, source by source, and how each source's
// last harvest went. The store is opened read-only, so status is safe to run
// beside a harvest or a server.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "cli/progress_display.h"
#include "store/query.h"
#include "store/store.h"

namespace cli {
namespace {

struct StatusOptions {
  std::string store;
  std::string format = "table";
};

using Json = nlohmann::ordered_json;

long long ll(std::int64_t value) { return static_cast<long long>(value); }

Json optional_json(const std::optional<std::string>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json run_json(const std::optional<store::RunStatus>& run) {
  if (!run) return nullptr;
  return {{"id", run->id},
          {"started_at", run->started_at},
          {"ended_at", optional_json(run->ended_at)},
          {"result", run->result},
          {"new", run->counts.created},
          {"updated", run->counts.updated},
          {"deleted", run->counts.deleted},
          {"unchanged", run->counts.unchanged},
          {"pages", run->pages},
          {"bytes", run->bytes},
          {"retries", run->retries},
          {"error", optional_json(run->error)}};
}

Json source_json(const store::SourceStatus& source) {
  Json formats = Json::array();
  for (const auto& format : source.formats) {
    formats.push_back({{"metadata_prefix", format.metadata_prefix},
                       {"records", format.records},
                       {"deleted", format.deleted}});
  }
  Json lists = Json::array();
  for (const auto& list : source.lists) {
    lists.push_back({{"metadata_prefix", list.metadata_prefix},
                     {"set_spec", list.set_spec},
                     {"next_from", optional_json(list.next_from)},
                     {"completed_at", optional_json(list.completed_at)},
                     {"unfinished", list.unfinished}});
  }
  return {{"name", source.name},
          {"base_url", source.base_url},
          {"declared_base_url", optional_json(source.declared_base_url)},
          {"repository_name", optional_json(source.repository_name)},
          {"records", source.records},
          {"deleted", source.deleted},
          {"formats", formats},
          {"last_run", run_json(source.last_run)},
          {"lists", lists}};
}

void print_json(const std::string& path, store::Store& store) {
  const auto stats = store.stats();
  Json sources = Json::array();
  for (const auto& source : store::source_status(store)) sources.push_back(source_json(source));
  const Json status = {
      {"store", path},
      {"schema_version", store.schema_version()},
      {"totals",
       {{"sources", stats.sources}, {"records", stats.records}, {"deleted", stats.deleted}}},
      {"sources", sources}};
  std::printf("%s\n", status.dump(2, ' ', false, Json::error_handler_t::replace).c_str());
}

void print_run(const store::RunStatus& run) {
  std::printf("  last run:       #%lld %s, %s to %s\n", ll(run.id), run.result.c_str(),
              run.started_at.c_str(), run.ended_at.value_or("(not ended)").c_str());
  std::printf(
      "                  %lld new, %lld updated, %lld deleted, %lld unchanged, "
      "%lld pages, %s, %lld retries\n",
      ll(run.counts.created), ll(run.counts.updated), ll(run.counts.deleted),
      ll(run.counts.unchanged), ll(run.pages),
      human_bytes(static_cast<std::uint64_t>(run.bytes)).c_str(), ll(run.retries));
  if (run.error) std::printf("  error:          %s\n", run.error->c_str());
}

void print_source(const store::SourceStatus& source) {
  std::printf("\n%s\n", source.name.c_str());
  std::printf("  base URL:       %s\n", source.base_url.c_str());
  if (source.declared_base_url && *source.declared_base_url != source.base_url) {
    std::printf("  declared URL:   %s\n", source.declared_base_url->c_str());
  }
  if (source.repository_name)
    std::printf("  repository:     %s\n", source.repository_name->c_str());
  std::printf("  records:        %lld (%lld deleted)\n", ll(source.records), ll(source.deleted));
  const char* label = "  formats:        ";
  for (const auto& format : source.formats) {
    std::printf("%s%s %lld (%lld deleted)\n", label, format.metadata_prefix.c_str(),
                ll(format.records), ll(format.deleted));
    label = "                  ";
  }
  if (source.last_run) {
    print_run(*source.last_run);
  } else {
    std::printf("  last run:       (never harvested)\n");
  }
  label = "  next from:      ";
  for (const auto& list : source.lists) {
    const std::string set = list.set_spec.empty() ? "" : " set " + list.set_spec;
    std::printf("%s%s%s: %s%s\n", label, list.metadata_prefix.c_str(), set.c_str(),
                list.next_from.value_or("(no list completed yet)").c_str(),
                list.unfinished ? ", an unfinished list resumes first" : "");
    label = "                  ";
  }
}

void print_table(const std::string& path, store::Store& store) {
  const auto stats = store.stats();
  std::printf("store:          %s\n", path.c_str());
  std::printf("schema version: %d\n", store.schema_version());
  std::printf("sources:        %lld\n", ll(stats.sources));
  std::printf("records:        %lld (%lld deleted)\n", ll(stats.records), ll(stats.deleted));
  for (const auto& source : store::source_status(store)) print_source(source);
}

}  // namespace

Command add_status_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "status", "Show what a store holds, and how each source's last harvest went.");
  command->footer(
      "Prints totals (sources, records of every format, tombstones included), then per\n"
      "source its base URL, records by format, its last harvest run (start, end,\n"
      "result, new/updated/deleted/unchanged records, pages, bytes, retries, error)\n"
      "and the 'from' of its next incremental harvest, per list.\n"
      "The store is opened read-only.\n\n"
      "Exit status: 0 shown; 1 the store could not be read; 2 usage error.");
  auto options = std::make_shared<StatusOptions>();
  command
      ->add_option("--store", options->store,
                   "The store: a SQLite file path or a postgresql:// URL")
      ->required()
      ->check(kExistingStore);
  command->add_option("--format", options->format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  return {command, [options] {
            auto store = store::Store::open(options->store, {.read_only = true});
            // One snapshot, whatever a harvest commits meanwhile.
            const store::ReadSnapshot snapshot(store);
            if (options->format == "json") {
              print_json(options->store, store);
            } else {
              print_table(options->store, store);
            }
            return kExitOk;
          }};
}

}  // namespace cli
