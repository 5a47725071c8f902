// oaipmh show: everything the store holds about one item, for a person.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "oai/identifier.h"
#include "provider/record_writer.h"
#include "store/query.h"

namespace cli {
namespace {

struct ShowOptions {
  std::string store;
  std::string identifier;
  std::string repository_identifier = "aggregator.example.org";
};

std::string spaced(const std::vector<std::string>& values) {
  std::string text;
  for (const auto& value : values) text += (text.empty() ? "" : " ") + value;
  return text.empty() ? "(none)" : text;
}

void line(const char* label, const std::string& value) {
  std::printf("%-20s %s\n", label, value.c_str());
}

// The records of one item (one source), oai_dc first: the header and
// provenance of the first, then every format's metadata.
void print_item(const std::vector<const store::HeldRecord*>& formats,
                const std::string& repository_identifier) {
  const auto& first = formats.front()->record;
  line("identifier:",
       provider::our_identifier(repository_identifier, first.source, first.upstream_identifier));
  line("upstream identifier:", first.upstream_identifier);
  line("source:", first.source);
  line("datestamp:", first.datestamp + " (ours)");
  line("upstream datestamp:", first.upstream_datestamp);
  line("deleted:", first.deleted ? "yes" : "no");
  line("sets:", spaced(provider::our_set_specs(first)));
  line("upstream sets:", spaced(first.set_specs));
  line("provenance:",
       "harvested from " + first.upstream_base_url + ", responseDate " + first.harvest_date);
  for (const auto* held : formats) {
    const auto& record = held->record;
    std::printf("\n== %s: datestamp %s, upstream datestamp %s, harvested %s%s\n",
                held->metadata_prefix.c_str(), record.datestamp.c_str(),
                record.upstream_datestamp.c_str(), record.harvest_date.c_str(),
                record.deleted ? ", deleted" : "");
    if (!record.deleted) std::printf("%s\n", record.metadata.c_str());
    if (!record.about.empty())
      std::printf("-- about (%s)\n%s\n", held->metadata_prefix.c_str(), record.about.c_str());
  }
}

int run_show(const ShowOptions& options) {
  if (!oai::is_valid_repository_identifier(options.repository_identifier)) {
    throw UsageError("--repository-identifier '" + options.repository_identifier +
                     "' is not a domain name");
  }
  auto store = store::Store::open(options.store, {.read_only = true});
  std::vector<store::HeldRecord> held;
  {
    const store::ReadSnapshot snapshot(store);  // every format of the item from one snapshot
    // Ours names a source and an upstream identifier; anything else is taken
    // as an upstream identifier, which several sources may share.
    if (const auto key =
            provider::parse_our_identifier(options.repository_identifier, options.identifier)) {
      held = store::find_for_show(store, key->upstream_identifier, key->source);
    }
    if (held.empty()) held = store::find_for_show(store, options.identifier, std::nullopt);
  }
  if (held.empty()) {
    std::fprintf(stderr, "oaipmh show: no record with identifier '%s' in %s\n",
                 options.identifier.c_str(), options.store.c_str());
    return kExitFailed;
  }
  // find_for_show() orders by source: each run of one source is one item.
  for (std::size_t start = 0, end = 0; start < held.size(); start = end) {
    std::vector<const store::HeldRecord*> item;
    while (end < held.size() && held[end].record.source == held[start].record.source) {
      item.push_back(&held[end++]);
    }
    if (start > 0) std::printf("\n");
    print_item(item, options.repository_identifier);
  }
  return kExitOk;
}

}  // namespace

Command add_show_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "show", "Show everything the store holds about one item, every format's XML included.");
  command->footer(
      "Prints the item's identifiers (ours and upstream), source, datestamps, deleted\n"
      "flag, sets, provenance (upstream base URL and harvest responseDate) and the\n"
      "stored XML of every format harvested.\n\n"
      "IDENTIFIER is ours, oai:<repository identifier>:<source>/<upstream identifier>,\n"
      "or an upstream identifier (every source holding it is shown).\n\n"
      "Exit status: 0 shown; 1 no such identifier in the store, or the store could not\n"
      "be read; 2 usage error.");
  auto options = std::make_shared<ShowOptions>();
  command
      ->add_option("--store", options->store, "Store to read: a SQLite file or a postgresql:// URL")
      ->required()
      ->check(kExistingStore);
  command->add_option("identifier", options->identifier, "Our identifier or an upstream one")
      ->required();
  command
      ->add_option("--repository-identifier", options->repository_identifier,
                   "Our repository identifier, as serve uses it")
      ->capture_default_str();
  return {command, [options] { return run_show(*options); }};
}

}  // namespace cli
