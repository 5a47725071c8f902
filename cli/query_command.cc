// oaipmh query: search the store's oai_dc records and print them as a table,
// JSON lines, CSV or an XML stream, for people and for pipes.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "oai/identifier.h"
#include "oai/xml_text.h"
#include "provider/record_writer.h"
#include "store/query.h"

namespace cli {
namespace {

// The fifteen DCMES elements, in the order of the spec (DC-1): the keys of
// a JSON record's "dc" and the last columns of the CSV.
constexpr const char* kElements[] = {
    "title",  "creator",    "subject", "description", "publisher", "contributor", "date",  "type",
    "format", "identifier", "source",  "language",    "relation",  "coverage",    "rights"};

// The details of --help, after the options: `oaipmh --help` lists only the
// first line of each subcommand.
constexpr const char* kHelp =
    "TEXT (the words after the options, joined by spaces) is a full-text query over\n"
    "the Dublin Core text: words (all must occur), \"a phrase\", prefix* (kyrgyz*),\n"
    "AND, OR, NOT, ( ), NEAR(a b, 5), and column filters title:, creator:, subject:,\n"
    "description:, other: (every other element). Words match whole tokens; case and\n"
    "accents are ignored. Words with punctuation go in a phrase: '\"Kyrgyz-Russian\"'.\n"
    "Hits come by relevance (SQLite: bm25; PostgreSQL: ts_rank_cd); without TEXT,\n"
    "newest first (our datestamp, then row id, descending). Only live records are\n"
    "indexed: TEXT never finds tombstones.\n\n"
    "Every filter given must hold. --title, --creator, --subject, --type and\n"
    "--language match when some value of that element contains the text (case\n"
    "ignored for A-Z only). --set is our setSpec, SOURCE or SOURCE:SET, and covers\n"
    "the sets below it (csto:a matches a and a:b, not ab). --date-from and --date-to\n"
    "take YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (its day: dates compare\n"
    "by day). A record matches when one of its dc:date values overlaps the days from\n"
    "the first of --date-from to the last of --date-to. Values are read leniently:\n"
    "2024 is 2024-01-01..2024-12-31, 2024-10 is the month, a value that starts with\n"
    "a day (2024-10-01T11:42:07Z, 2024-10-01/2024-12-31) is that day, one that starts\n"
    "with a year only (1990-1999) is that year, and one with no year never matches.\n\n"
    "Formats: table: SOURCE, IDENTIFIER (upstream), DATE (first dc:date), TITLE,\n"
    "fitted to the terminal width (100 when not a terminal). jsonl: one object a\n"
    "record: oai_identifier (ours), source, upstream_identifier, datestamp (ours),\n"
    "upstream_datestamp, deleted, sets (our setSpecs), dc (all fifteen elements,\n"
    "each a list of values in document order). csv: RFC 4180, a header row, the\n"
    "same fields, repeated values joined by ' | '. xml: an XML declaration and\n"
    "<records> holding each record's oai_dc payload as stored (tombstones have\n"
    "none and are left out).\n\n"
    "Exit status: 0 records matched; 1 none matched (nothing is printed, or 0 with\n"
    "--count) or the store could not be read; 2 usage error or a TEXT that FTS5\n"
    "cannot parse.";

struct QueryOptions {
  std::string store;
  std::vector<std::string> text;
  std::string source, set, title, creator, subject, type, language, date_from, date_to;
  bool deleted = false;
  bool include_deleted = false;
  std::string format;       // empty: table on a terminal, else jsonl
  std::int64_t limit = -1;  // -1: not given, the format's default
  bool count = false;
  std::string repository_identifier = "aggregator.example.org";
};

std::optional<std::string> given(const std::string& value) {
  if (value.empty()) return std::nullopt;
  return value;
}

std::optional<std::string> search_text(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& word : words) text += (text.empty() ? "" : " ") + word;
  if (text.find_first_not_of(" \t\n") == std::string::npos) return std::nullopt;
  return text;
}

store::SearchQuery build_query(const QueryOptions& options) {
  store::SearchQuery query;
  query.text = search_text(options.text);
  query.source = given(options.source);
  query.set_spec = given(options.set);
  query.title = given(options.title);
  query.creator = given(options.creator);
  query.subject = given(options.subject);
  query.type = given(options.type);
  query.language = given(options.language);
  query.date_from = given(options.date_from);
  query.date_to = given(options.date_to);
  for (const auto& [name, value] :
       {std::pair{"--date-from", &query.date_from}, std::pair{"--date-to", &query.date_to}}) {
    if (*value && !store::read_date_bound(**value)) {
      throw UsageError(std::string(name) + " '" + **value +
                       "' is not a date: use YYYY, YYYY-MM or YYYY-MM-DD");
    }
  }
  if (query.date_from && query.date_to &&
      store::read_date_bound(*query.date_from)->first >
          store::read_date_bound(*query.date_to)->last) {
    throw UsageError("--date-from " + *query.date_from + " is after --date-to " + *query.date_to);
  }
  if (!oai::is_valid_repository_identifier(options.repository_identifier)) {
    throw UsageError("--repository-identifier '" + options.repository_identifier +
                     "' is not a domain name such as aggregator.example.org");
  }
  query.deleted = options.deleted           ? store::DeletedFilter::kDeletedOnly
                  : options.include_deleted ? store::DeletedFilter::kBoth
                                            : store::DeletedFilter::kLiveOnly;
  return query;
}

// ---- Table ------------------------------------------------------------------

// The code points of UTF-8 `text`, each as its bytes; control characters
// (tabs, newlines) become spaces so that a cell stays on its line.
std::vector<std::string> code_points(const std::string& text) {
  std::vector<std::string> points;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0) == 0x80 && !points.empty()) {
      points.back() += c;
    } else {
      points.emplace_back(1, byte < 0x20 || byte == 0x7F ? ' ' : c);
    }
  }
  return points;
}

// `text` in at most `width` columns (one a code point), cut with "…" at its
// end, or in its middle where the end tells identifiers apart.
std::string fit(const std::string& text, std::size_t width, bool cut_middle) {
  const auto points = code_points(text);
  std::string out;
  if (points.size() <= width) {
    for (const auto& point : points) out += point;
    return out;
  }
  if (width == 0) return out;
  const std::size_t head = cut_middle ? width / 2 : width - 1;
  const std::size_t tail = width - 1 - head;
  for (std::size_t i = 0; i < head; ++i) out += points[i];
  out += "…";
  for (std::size_t i = points.size() - tail; i < points.size(); ++i) out += points[i];
  return out;
}

struct Column {
  std::string header;
  std::size_t min_width;
  bool cut_middle;
  std::vector<std::string> cells;
  std::size_t width = 0;
};

// Shrinks the widest columns, one column at a time, until the row fits.
void fit_widths(std::vector<Column>& columns, std::size_t terminal_width) {
  std::size_t total = 2 * (columns.size() - 1);
  for (auto& column : columns) {
    column.width = code_points(column.header).size();
    for (const auto& cell : column.cells)
      column.width = std::max(column.width, code_points(cell).size());
    total += column.width;
  }
  while (total > terminal_width) {
    Column* widest = nullptr;
    for (auto& column : columns) {
      if (column.width > column.min_width && (widest == nullptr || column.width > widest->width)) {
        widest = &column;
      }
    }
    if (widest == nullptr) break;
    --widest->width;
    --total;
  }
}

std::size_t terminal_width() {
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 100;
}

std::string first_value(const store::SearchHit& hit, const std::string& element) {
  for (const auto& dc : hit.dc) {
    if (dc.element == element) return dc.value;
  }
  return {};
}

void print_table(const std::vector<store::SearchHit>& hits) {
  std::vector<Column> columns = {{"SOURCE", 6, false, {}},
                                 {"IDENTIFIER", 12, true, {}},
                                 {"DATE", 4, false, {}},
                                 {"TITLE", 10, false, {}}};
  for (const auto& hit : hits) {
    columns[0].cells.push_back(hit.record.source);
    columns[1].cells.push_back(hit.record.upstream_identifier);
    columns[2].cells.push_back(first_value(hit, "date"));
    columns[3].cells.push_back(hit.record.deleted ? "(deleted)" : first_value(hit, "title"));
  }
  fit_widths(columns, terminal_width());
  for (std::size_t row = 0; row <= hits.size(); ++row) {
    std::string line;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const auto& column = columns[i];
      const auto cell =
          fit(row == 0 ? column.header : column.cells[row - 1], column.width, column.cut_middle);
      line += cell;
      if (i + 1 < columns.size()) {
        line += std::string(column.width - code_points(cell).size() + 2, ' ');
      }
    }
    std::printf("%s\n", line.c_str());
  }
}

// ---- Streams ----------------------------------------------------------------

std::string joined(const std::vector<std::string>& values) {
  std::string text;
  for (const auto& value : values) text += (text.empty() ? "" : " | ") + value;
  return text;
}

// The values of each of the fifteen elements, in document order.
std::vector<std::vector<std::string>> element_values(const store::SearchHit& hit) {
  std::vector<std::vector<std::string>> values(std::size(kElements));
  for (const auto& dc : hit.dc) {
    const auto* found = std::find_if(std::begin(kElements), std::end(kElements),
                                     [&](const char* name) { return dc.element == name; });
    if (found != std::end(kElements)) values[found - std::begin(kElements)].push_back(dc.value);
  }
  return values;
}

std::string json_line(const store::SearchHit& hit, const std::string& repository_identifier) {
  const auto& record = hit.record;
  nlohmann::ordered_json object;
  object["oai_identifier"] =
      provider::our_identifier(repository_identifier, record.source, record.upstream_identifier);
  object["source"] = record.source;
  object["upstream_identifier"] = record.upstream_identifier;
  object["datestamp"] = record.datestamp;
  object["upstream_datestamp"] = record.upstream_datestamp;
  object["deleted"] = record.deleted;
  object["sets"] = provider::our_set_specs(record);
  nlohmann::ordered_json dc = nlohmann::ordered_json::object();
  const auto values = element_values(hit);
  for (std::size_t i = 0; i < values.size(); ++i) dc[kElements[i]] = values[i];
  object["dc"] = std::move(dc);
  // A stray byte of bad UTF-8 becomes U+FFFD rather than ending the output.
  return object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (const char c : value) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string csv_header() {
  std::string line =
      "oai_identifier,source,upstream_identifier,datestamp,upstream_datestamp,deleted,sets";
  for (const char* element : kElements) line += std::string(",") + element;
  return line + "\r\n";
}

std::string csv_line(const store::SearchHit& hit, const std::string& repository_identifier) {
  const auto& record = hit.record;
  std::vector<std::string> fields = {
      provider::our_identifier(repository_identifier, record.source, record.upstream_identifier),
      record.source,
      record.upstream_identifier,
      record.datestamp,
      record.upstream_datestamp,
      record.deleted ? "true" : "false",
      joined(provider::our_set_specs(record))};
  for (const auto& values : element_values(hit)) fields.push_back(joined(values));
  std::string line;
  for (const auto& field : fields) line += (line.empty() ? "" : ",") + csv_field(field);
  return line + "\r\n";
}

void write(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

// Streams the hits in `format`; returns how many there were. Nothing at all
// is written when there are none, not even a header.
std::int64_t stream(store::Store& store, const store::SearchQuery& query, const std::string& format,
                    const std::string& repository_identifier) {
  std::int64_t hits = 0;
  store::search(store, query, [&](const store::SearchHit& hit) {
    if (hits++ == 0) {
      if (format == "csv") write(csv_header());
      if (format == "xml") write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<records>\n");
    }
    if (format == "jsonl") write(json_line(hit, repository_identifier));
    if (format == "csv") write(csv_line(hit, repository_identifier));
    if (format == "xml" && !hit.record.deleted) {
      std::string payload = hit.record.metadata;
      oai::remove_illegal_xml_chars(payload);
      write(payload + "\n");
    }
  });
  if (hits > 0 && format == "xml") write("</records>\n");
  return hits;
}

int run_query(const QueryOptions& options) {
  store::SearchQuery query = build_query(options);
  auto store = store::Store::open(options.store, {.read_only = true});
  const std::string format = !options.format.empty()      ? options.format
                             : isatty(STDOUT_FILENO) != 0 ? "table"
                                                          : "jsonl";
  query.limit = options.limit >= 0 ? options.limit : format == "table" ? 20 : 0;
  query.with_metadata = format == "xml";
  try {
    if (options.count) {
      const auto total = store::count(store, query);
      std::printf("%lld\n", static_cast<long long>(total));
      return total > 0 ? kExitOk : kExitFailed;
    }
    if (format != "table") {
      return stream(store, query, format, options.repository_identifier) > 0 ? kExitOk
                                                                             : kExitFailed;
    }
    std::vector<store::SearchHit> hits;
    store::search(store, query, [&](const store::SearchHit& hit) { hits.push_back(hit); });
    if (hits.empty()) return kExitFailed;
    print_table(hits);
    if (query.limit > 0 && static_cast<std::int64_t>(hits.size()) == query.limit) {
      const auto total = store::count(store, query);
      if (total > query.limit) {
        std::printf("(%zu of %lld records; --limit 0 shows all)\n", hits.size(),
                    static_cast<long long>(total));
      }
    }
    return kExitOk;
  } catch (const store::SearchSyntaxError& error) {
    throw UsageError(error.what());
  }
}

}  // namespace

Command add_query_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "query",
      "Search the store's oai_dc records (full text and filters); print them as a\n"
      "table, JSON lines, CSV or XML.");
  command->footer(kHelp);
  auto options = std::make_shared<QueryOptions>();
  command
      ->add_option("--store", options->store,
                   "Store to search: a SQLite file or a postgresql:// URL")
      ->required()
      ->check(kExistingStore);
  command->add_option("text", options->text, "Full-text query (FTS5 syntax, see below)");
  command->add_option("--source", options->source, "Only records of this source");
  command->add_option("--set", options->set, "Only records in our set SOURCE[:SET] or below it");
  command->add_option("--title", options->title, "Some dc:title contains this text");
  command->add_option("--creator", options->creator, "Some dc:creator contains this text");
  command->add_option("--subject", options->subject, "Some dc:subject contains this text");
  command->add_option("--type", options->type, "Some dc:type contains this text");
  command->add_option("--language", options->language, "Some dc:language contains this text");
  command->add_option("--date-from", options->date_from,
                      "Some dc:date reaches the first day of this (YYYY[-MM[-DD]])");
  command->add_option("--date-to", options->date_to,
                      "Some dc:date starts by the last day of this (YYYY[-MM[-DD]])");
  auto* deleted = command->add_flag("--deleted", options->deleted,
                                    "Only deleted records (tombstones); default: only live ones");
  command->add_flag("--include-deleted", options->include_deleted, "Live and deleted records")
      ->excludes(deleted);
  command
      ->add_option("--format", options->format,
                   "table, jsonl, csv or xml (default: table on a terminal, else jsonl)")
      ->check(CLI::IsMember({"table", "jsonl", "csv", "xml"}));
  command
      ->add_option("--limit", options->limit,
                   "At most N records, 0 for all (default: 20 for table, 0 for the others)")
      ->check(CLI::NonNegativeNumber);
  command->add_flag("--count", options->count,
                    "Print only the number of matches (--limit ignored)");
  command
      ->add_option("--repository-identifier", options->repository_identifier,
                   "Our repository identifier, for oai_identifier (as serve)")
      ->capture_default_str();
  return {command, [options] { return run_query(*options); }};
}

}  // namespace cli
