// The TOML configuration file (etc/oaipmh.toml documents every key).
#ifndef CLI_CONFIGURATION_H_
#define CLI_CONFIGURATION_H_

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cli/usage_error.h"
#include "harvester/source_harvest.h"

namespace cli {

// A configuration that cannot be used: unreadable, not TOML, an unknown key,
// a value of the wrong type or out of range. The message names the file,
// the key and, for syntax errors, the line. A usage error: exit status 2.
class ConfigurationError : public UsageError {
 public:
  using UsageError::UsageError;
};

// The [harvest] table: defaults for every source.
struct HarvestDefaults {
  int workers = 4;
  // `oaipmh harvest --worker`: a host's lease lasts this long unless renewed
  // (a dead worker's host waits this long), and a source a worker finished
  // is due again after revisit_hours.
  int lease_seconds = 60;
  double revisit_hours = 24;
  harvester::SourceSettings source;  // name, base_url and lists left empty
};

// The [provider] table: how `oaipmh serve` publishes the store.
struct ServeSettings {
  std::string listen = "127.0.0.1:8080";  // address:port
  std::string base_url;                   // empty: http://<listen>/oai
  std::string repository_name = "oaipmh aggregator";
  std::string admin_email = "admin@example.org";
  std::string repository_identifier = "aggregator.example.org";
  std::string token_key_file;  // empty: the key the store was created with
  int records_per_page = 100;
  int identifiers_per_page = 500;
  // One event loop a core: more only take turns on the cores (and at 4 on 2
  // cores a 64-connection ListRecords p99 was 94-102 ms instead of 29-58).
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int max_in_flight = 64;
  int max_connections = 1024;
  int request_timeout = 30;  // seconds
  int idle_timeout = 60;     // seconds
  int retry_after = 5;       // seconds, sent with 503
  bool metrics = true;       // answer GET /metrics (Prometheus text format)
  bool healthz = true;       // answer GET /healthz (200 when the store can be read)
};

struct Configuration {
  std::string store;  // empty when the file names none
  HarvestDefaults harvest;
  ServeSettings serve;
  std::vector<harvester::SourceSettings> sources;  // the [[source]] tables, in order
};

// Throws ConfigurationError, naming `where`, unless the source has a usable
// name (a setSpec part: it becomes our set), an http(s) URL, and valid
// metadataPrefixes and setSpecs.
void validate_source(const harvester::SourceSettings& source, const std::string& where);

// Whether `value` can be a contact address in a From header (HV-10): one
// e-mail address, `local@domain`, with no white space, angle brackets or
// control characters (which would also let a value add headers of its own).
bool is_contact_address(std::string_view value);

// The defaults used without a configuration file: what etc/oaipmh.toml says.
HarvestDefaults default_harvest_settings();

// Reads `path`. Relative store paths are taken relative to the file's folder
// (a postgresql:// URL is left as it is).
// Throws ConfigurationError.
Configuration load_configuration(const std::string& path);

// The same, from TOML text (for tests); `origin` names it in messages.
Configuration parse_configuration(const std::string& text, const std::string& origin);

}  // namespace cli

#endif  // CLI_CONFIGURATION_H_
