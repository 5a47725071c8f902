#include "cli/configuration.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <utility>

#include "oai/identifier.h"
#include "oai/set_spec.h"
#include "store/store.h"

namespace cli {
namespace {

// The longest delay a configuration may give, about 31 years: far more than
// anyone means, far less than what overflows std::chrono::milliseconds.
constexpr std::int64_t kMaxSeconds = 1'000'000'000;

// Reads the keys of one TOML table, checking types, and afterwards that it
// held no key nobody asked for (a misspelt key is an error, not a silence).
class TableReader {
 public:
  TableReader(const toml::table& table, std::string where)
      : table_(table), where_(std::move(where)) {}

  template <typename T>
  void read(const char* key, T& target) {
    asked_.insert(key);
    const toml::node* node = table_.get(key);
    if (node == nullptr) return;
    if constexpr (std::is_same_v<T, std::string>) {
      const auto value = node->value<std::string>();
      if (!value || !node->is_string()) fail(key, "a string");
      target = *value;
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!node->is_boolean()) fail(key, "true or false");
      target = *node->value<bool>();
    } else if constexpr (std::is_same_v<T, double>) {
      if (!node->is_number()) fail(key, "a number");
      // TOML allows inf and nan, which no delay or timeout can be.
      if (!std::isfinite(*node->value<double>())) fail(key, "a finite number");
      target = *node->value<double>();
    } else {
      if (!node->is_integer()) fail(key, "a whole number");
      const std::int64_t value = *node->value<std::int64_t>();
      // Not silently cut to a narrower type (4294967297 workers is not 1).
      if (!std::in_range<T>(value)) {
        fail(key, "a whole number from " + std::to_string(std::numeric_limits<T>::min()) + " to " +
                      std::to_string(std::numeric_limits<T>::max()));
      }
      target = static_cast<T>(value);
    }
  }

  void read_list(const char* key, std::vector<std::string>& target) {
    asked_.insert(key);
    const toml::node* node = table_.get(key);
    if (node == nullptr) return;
    const toml::array* array = node->as_array();
    if (array == nullptr) fail(key, "a list of strings");
    target.clear();
    for (const auto& item : *array) {
      if (!item.is_string()) fail(key, "a list of strings");
      target.push_back(*item.value<std::string>());
    }
  }

  // Reads a number of seconds into milliseconds.
  void read_seconds(const char* key, std::chrono::milliseconds& target) {
    double seconds = static_cast<double>(target.count()) / 1000.0;
    read(key, seconds);
    if (seconds < 0) fail(key, "zero or more seconds");
    // Beyond this the milliseconds would not fit (found by fuzz/configuration_fuzzer.cc).
    if (seconds > static_cast<double>(kMaxSeconds)) {
      fail(key, "at most " + std::to_string(kMaxSeconds) + " seconds");
    }
    target = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0));
  }

  // Marks `key` as read elsewhere (a sub-table).
  void known(const char* key) { asked_.insert(key); }

  // Throws for the first key of the table that was never read.
  void refuse_unknown_keys() const {
    for (const auto& [key, node] : table_) {
      if (asked_.count(std::string(key.str())) == 0) {
        throw ConfigurationError(where_ + ": unknown key '" + std::string(key.str()) + "' (line " +
                                 std::to_string(node.source().begin.line) + ")");
      }
    }
  }

  [[noreturn]] void fail(const std::string& key, const std::string& expected) const {
    throw ConfigurationError(where_ + ": '" + key + "' must be " + expected);
  }

 private:
  const toml::table& table_;
  std::string where_;
  std::set<std::string> asked_;
};

// The keys a [[source]] may override, and every key of [harvest].
void read_source_keys(TableReader& reader, harvester::SourceSettings& source) {
  reader.read_seconds("politeness_delay", source.politeness_delay);
  reader.read("use_declared_base_url", source.use_declared_base_url);
  reader.read("list_identifiers", source.list_identifiers);
  reader.read("max_pages", source.max_pages);
  reader.read("max_window_restarts", source.max_window_restarts);
  reader.read("user_agent", source.http.user_agent);
  if (std::any_of(source.http.user_agent.begin(), source.http.user_agent.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; })) {
    reader.fail("user_agent", "text without control characters");
  }
  reader.read("contact", source.http.from);
  if (!source.http.from.empty() && !is_contact_address(source.http.from)) {
    reader.fail("contact", "an e-mail address such as harvest@example.org");
  }
  reader.read("connect_timeout", source.http.connect_timeout_seconds);
  reader.read("low_speed_limit", source.http.low_speed_bytes);
  reader.read("low_speed_time", source.http.low_speed_seconds);
  reader.read("request_timeout", source.http.total_timeout_seconds);
  reader.read("max_redirects", source.http.max_redirects);
  std::int64_t max_response_mb = static_cast<std::int64_t>(source.http.max_response_bytes >> 20);
  reader.read("max_response_mb", max_response_mb);
  if (max_response_mb < 1 || max_response_mb > 2047) reader.fail("max_response_mb", "1 to 2047");
  source.http.max_response_bytes = static_cast<std::uint64_t>(max_response_mb) << 20;
  reader.read("max_attempts", source.retry.max_attempts);
  reader.read("retry_base_delay", source.retry.base_delay_seconds);
  reader.read("max_retry_wait", source.retry.max_delay_seconds);
  if (source.retry.max_attempts < 1) reader.fail("max_attempts", "at least 1");
  if (source.max_pages < 1) reader.fail("max_pages", "at least 1");
}

void read_serve_settings(TableReader reader, ServeSettings& serve) {
  reader.read("listen", serve.listen);
  reader.read("base_url", serve.base_url);
  reader.read("repository_name", serve.repository_name);
  reader.read("admin_email", serve.admin_email);
  reader.read("repository_identifier", serve.repository_identifier);
  reader.read("token_key_file", serve.token_key_file);
  reader.read("records_per_page", serve.records_per_page);
  reader.read("identifiers_per_page", serve.identifiers_per_page);
  reader.read("threads", serve.threads);
  reader.read("max_in_flight", serve.max_in_flight);
  reader.read("max_connections", serve.max_connections);
  reader.read("request_timeout", serve.request_timeout);
  reader.read("idle_timeout", serve.idle_timeout);
  reader.read("retry_after", serve.retry_after);
  reader.read("metrics", serve.metrics);
  reader.read("healthz", serve.healthz);
  reader.refuse_unknown_keys();
  for (const auto& [key, value] : {std::pair{"records_per_page", serve.records_per_page},
                                   {"identifiers_per_page", serve.identifiers_per_page},
                                   {"threads", serve.threads},
                                   {"max_in_flight", serve.max_in_flight},
                                   {"max_connections", serve.max_connections},
                                   {"request_timeout", serve.request_timeout},
                                   {"idle_timeout", serve.idle_timeout},
                                   {"retry_after", serve.retry_after}}) {
    if (value < 1) reader.fail(key, "at least 1");
  }
}

harvester::SourceSettings read_source(const toml::table& table, const HarvestDefaults& defaults,
                                      const std::string& where) {
  harvester::SourceSettings source = defaults.source;
  TableReader reader(table, where);
  reader.read("name", source.name);
  reader.read("url", source.base_url);
  reader.read_list("prefixes", source.metadata_prefixes);
  reader.read_list("sets", source.sets);
  read_source_keys(reader, source);
  reader.refuse_unknown_keys();
  validate_source(source, where);
  return source;
}

}  // namespace

bool is_contact_address(std::string_view value) {
  const auto at = value.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == value.size()) return false;
  return std::none_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F || c == '<' || c == '>' || c == ',';
  });
}

void validate_source(const harvester::SourceSettings& source, const std::string& where) {
  if (source.name.empty()) throw ConfigurationError(where + ": a source needs a name");
  if (!oai::is_valid_set_spec(source.name) || source.name.find(':') != std::string::npos) {
    throw ConfigurationError(where + ": the name '" + source.name +
                             "' must be letters, digits and -_.!~*'() (it becomes a set)");
  }
  if (source.base_url.rfind("http://", 0) != 0 && source.base_url.rfind("https://", 0) != 0) {
    throw ConfigurationError(where + ": the URL of '" + source.name +
                             "' must start with http:// or https://");
  }
  for (const auto& prefix : source.metadata_prefixes) {
    if (!oai::is_valid_metadata_prefix(prefix)) {
      throw ConfigurationError(where + ": '" + prefix + "' is not a metadataPrefix");
    }
  }
  for (const auto& set : source.sets) {
    if (!oai::is_valid_set_spec(set)) {
      throw ConfigurationError(where + ": '" + set + "' is not a setSpec");
    }
  }
}

HarvestDefaults default_harvest_settings() {
  HarvestDefaults defaults;
  defaults.source.http.user_agent = "oaipmh/" OAIPMH_VERSION;
  defaults.source.politeness_delay = std::chrono::milliseconds(1000);
  return defaults;
}

Configuration parse_configuration(const std::string& text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& error) {
    throw ConfigurationError(origin + ": line " + std::to_string(error.source().begin.line) + ": " +
                             std::string(error.description()));
  }
  Configuration configuration;
  configuration.harvest = default_harvest_settings();
  TableReader top(root, origin);
  top.read("store", configuration.store);
  top.known("harvest");
  top.known("provider");
  top.known("source");
  if (const toml::node* harvest = root.get("harvest")) {
    if (!harvest->is_table()) top.fail("harvest", "a table");
    TableReader reader(*harvest->as_table(), origin + " [harvest]");
    reader.read("workers", configuration.harvest.workers);
    if (configuration.harvest.workers < 1) reader.fail("workers", "at least 1");
    reader.read("lease_seconds", configuration.harvest.lease_seconds);
    if (configuration.harvest.lease_seconds < 1) reader.fail("lease_seconds", "at least 1");
    reader.read("revisit_hours", configuration.harvest.revisit_hours);
    if (!(configuration.harvest.revisit_hours >= 0 && configuration.harvest.revisit_hours <= 1e6)) {
      reader.fail("revisit_hours", "between 0 and 1000000");
    }
    read_source_keys(reader, configuration.harvest.source);
    reader.refuse_unknown_keys();
  }
  if (const toml::node* provider = root.get("provider")) {
    if (!provider->is_table()) top.fail("provider", "a table");
    read_serve_settings(TableReader(*provider->as_table(), origin + " [provider]"),
                        configuration.serve);
  }
  std::set<std::string> names;
  if (const toml::node* sources = root.get("source")) {
    const toml::array* array = sources->as_array();
    if (array == nullptr) top.fail("source", "an array of tables: [[source]]");
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::table* table = array->get(i)->as_table();
      const std::string where = origin + " [[source]] #" + std::to_string(i + 1);
      if (table == nullptr) throw ConfigurationError(where + ": must be a table");
      configuration.sources.push_back(read_source(*table, configuration.harvest, where));
      if (!names.insert(configuration.sources.back().name).second) {
        throw ConfigurationError(where + ": the name '" + configuration.sources.back().name +
                                 "' is used twice");
      }
    }
  }
  top.refuse_unknown_keys();
  return configuration;
}

Configuration load_configuration(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigurationError("cannot read the configuration file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  Configuration configuration = parse_configuration(text.str(), path);
  configuration.store = store::resolve_store_name(
      configuration.store, std::filesystem::path(path).parent_path().string());
  return configuration;
}

}  // namespace cli
