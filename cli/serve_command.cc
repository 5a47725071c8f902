// oaipmh serve: publish the store as an OAI-PMH 2.0 repository over HTTP.
#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "cli/configuration.h"
#include "oai/identifier.h"
#include "provider/http_server.h"
#include "provider/oai_handler.h"
#include "provider/provider_error.h"
#include "provider/site.h"
#include "store/store.h"

namespace cli {
namespace {

struct ServeOptions {
  std::string store;
  std::string config;
  ServeSettings settings;
  // Command-line values; empty when not given (the configuration's stand).
  std::string listen, base_url, repository_name, admin_email, repository_identifier;
  bool no_metrics = false;  // --no-metrics
  bool no_healthz = false;  // --no-healthz
};

// "127.0.0.1:8080" -> address and port.
std::pair<std::string, std::uint16_t> split_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw UsageError("--listen must be ADDRESS:PORT, e.g. 127.0.0.1:8080");
  }
  std::string address = listen.substr(0, colon);
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  const std::string port_text = listen.substr(colon + 1);
  char* end = nullptr;
  const long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535) {
    throw UsageError("the port in --listen must be 0 to 65535");
  }
  return {address, static_cast<std::uint16_t>(port)};
}

std::string hex_to_bytes(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return bytes;
}

std::string token_key(const ServeSettings& settings, const store::Store& store) {
  if (settings.token_key_file.empty()) {
    const auto key = store.setting("resumption_token_key");
    if (key.size() < 32) throw ConfigurationError("the store has no resumption_token_key setting");
    return hex_to_bytes(key);
  }
  std::ifstream in(settings.token_key_file, std::ios::binary);
  std::ostringstream key;
  key << in.rdbuf();
  if (!in || key.str().size() < 16) {
    throw ConfigurationError("cannot read at least 16 bytes of key from " +
                             settings.token_key_file);
  }
  return key.str();
}

void check_settings(const ServeSettings& settings) {
  if (!oai::is_valid_repository_identifier(settings.repository_identifier)) {
    throw ConfigurationError("repository identifier '" + settings.repository_identifier +
                             "' must be a domain name such as repository.example.org (OI-1)");
  }
  const auto at = settings.admin_email.find('@');
  if (at == std::string::npos || at == 0 ||
      settings.admin_email.find('.', at) == std::string::npos ||
      settings.admin_email.find(' ') != std::string::npos) {
    throw ConfigurationError("admin e-mail '" + settings.admin_email +
                             "' is not an e-mail address");
  }
}

std::string utc_now() {
  char text[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

// Applies the configuration file, then the command line over it; checks the result.
void resolve_settings(ServeOptions& options) {
  if (!options.config.empty()) {
    const auto configuration = load_configuration(options.config);
    options.settings = configuration.serve;
    if (options.store.empty()) options.store = configuration.store;
  }
  ServeSettings& settings = options.settings;
  for (auto [value, target] : {std::pair{&options.listen, &settings.listen},
                               {&options.base_url, &settings.base_url},
                               {&options.repository_name, &settings.repository_name},
                               {&options.admin_email, &settings.admin_email},
                               {&options.repository_identifier, &settings.repository_identifier}}) {
    if (!value->empty()) *target = *value;
  }
  if (options.no_metrics) settings.metrics = false;
  if (options.no_healthz) settings.healthz = false;
  if (options.store.empty())
    throw ConfigurationError("no store: give --store or 'store' in the configuration");
  check_settings(settings);
}

provider::ServerLimits server_limits(const ServeSettings& settings) {
  provider::ServerLimits limits;
  limits.threads = settings.threads;
  // Each io thread reads the store itself (its own connection, see
  // provider/site.cc): handing every request to another thread and back cost
  // more than the SQLite read of a GetRecord.
  limits.handler_threads = 0;
  limits.max_in_flight = static_cast<std::size_t>(settings.max_in_flight);
  limits.max_connections = static_cast<std::size_t>(settings.max_connections);
  // A crowd of idle or slowloris connections must not lock harvesters out.
  limits.evict_idle_at_limit = true;
  limits.request_timeout = std::chrono::seconds(settings.request_timeout);
  limits.idle_timeout = std::chrono::seconds(settings.idle_timeout);
  limits.retry_after_seconds = settings.retry_after;
  return limits;
}

// Everything but base_url, which may depend on the port bound.
provider::ProviderSettings provider_settings_of(const ServeSettings& settings) {
  provider::ProviderSettings provider_settings;
  provider_settings.repository_name = settings.repository_name;
  provider_settings.admin_email = settings.admin_email;
  provider_settings.repository_identifier = settings.repository_identifier;
  provider_settings.records_per_page = settings.records_per_page;
  provider_settings.identifiers_per_page = settings.identifiers_per_page;
  return provider_settings;
}

// Raises the soft limit on open files to the hard one: each connection is a
// descriptor, and the default soft limit (often 1024) is below
// max_connections plus the store's files. Returns the limit now in force.
rlim_t raise_open_files_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) return raised.rlim_cur;
  }
  return limit.rlim_cur;
}

int run_serve(ServeOptions& options) {
  // Each response of a ListRecords page is a 260 KB buffer, freed once sent:
  // glibc would map and unmap such buffers, or trim the heap and fault its
  // pages back in, for every page. Fixed thresholds keep them in the heap.
  mallopt(M_MMAP_THRESHOLD, 8 << 20);
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
  resolve_settings(options);
  const ServeSettings& settings = options.settings;
  const auto [address, port] = split_listen(settings.listen);
  std::string oai_path;
  try {
    oai_path = provider::oai_path_for(settings.base_url, settings.metrics, settings.healthz);
  } catch (const provider::ProviderError& error) {
    throw ConfigurationError(error.what());
  }
  provider::Site site({options.store, oai_path, settings.metrics, settings.healthz});
  const auto probe = store::Store::open(options.store, {.read_only = true});
  provider::TokenCodec codec(token_key(settings, probe));

  auto access_log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  provider::HttpServer server(
      address, port, server_limits(settings),
      [&site](const provider::HttpRequest& request) { return site.answer(request); }, access_log);
  const std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  auto provider_settings = provider_settings_of(settings);
  provider_settings.base_url = settings.base_url.empty()
                                   ? "http://" + host + ":" + std::to_string(server.port()) + "/oai"
                                   : settings.base_url;
  site.start(
      std::make_unique<provider::OaiHandler>(
          provider_settings, codec, [] { return static_cast<std::int64_t>(std::time(nullptr)); }),
      [&server] { return server.in_flight(); });
  if (site.counts_metrics()) {
    server.set_exchange_observer([&site](const auto& exchange) { site.observe(exchange); });
  }
  std::fprintf(stderr, "%s oaipmh serve: listening on http://%s:%u%s (base URL %s), store %s%s%s\n",
               utc_now().c_str(), host.c_str(), server.port(), site.oai_path().c_str(),
               provider_settings.base_url.c_str(), options.store.c_str(),
               settings.metrics ? ", metrics at /metrics" : "",
               settings.healthz ? ", health check at /healthz" : "");
  const rlim_t open_files = raise_open_files_limit();
  // Connections beyond the descriptors left fail at accept; say so.
  const bool too_few = open_files != RLIM_INFINITY &&
                       open_files < static_cast<rlim_t>(settings.max_connections) + 64;
  std::fprintf(stderr, "%s oaipmh serve: open files limit %llu, max_connections %d%s\n",
               utc_now().c_str(), static_cast<unsigned long long>(open_files),
               settings.max_connections,
               too_few ? " (too few descriptors: raise the hard limit, e.g. LimitNOFILE=)" : "");
  server.run(/*handle_signals=*/true);
  std::fprintf(stderr, "%s oaipmh serve: stopped\n", utc_now().c_str());
  return kExitOk;
}

}  // namespace

Command add_serve_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "serve",
      "Serve the store as an OAI-PMH 2.0 repository (GET and POST at the base URL).\n"
      "Also answers GET /metrics (Prometheus text format) and GET /healthz (200 'ok'\n"
      "while the store can be read, 503 otherwise) unless disabled.\n\n"
      "The store is opened read-only: a harvest may write to it meanwhile. SIGTERM or\n"
      "SIGINT stops accepting, finishes the requests in flight and exits 0.\n\n"
      "Exit status: 0 stopped cleanly; 1 the server failed (e.g. the address is in use,\n"
      "the store cannot be read); 2 usage or configuration error.");
  auto options = std::make_shared<ServeOptions>();
  command->add_option("--store", options->store,
                      "Store to serve: a SQLite file or a postgresql:// URL (default: 'store' of "
                      "the configuration)");
  command->add_option("--config", options->config, "TOML configuration; its [provider] table");
  command->add_option("--listen", options->listen,
                      "ADDRESS:PORT to listen on (default 127.0.0.1:8080; port 0 picks one)");
  command->add_option("--base-url", options->base_url,
                      "Canonical base URL for Identify and <request> (default http://LISTEN/oai)");
  command->add_option("--repository-name", options->repository_name,
                      "Identify repositoryName (default 'oaipmh aggregator')");
  command->add_option("--admin-email", options->admin_email,
                      "Identify adminEmail (default admin@example.org)");
  command->add_option(
      "--repository-identifier", options->repository_identifier,
      "Domain name in our identifiers oai:<ID>:<source>/<id> (default aggregator.example.org)");
  command->add_flag(
      "--no-metrics", options->no_metrics,
      "Do not answer GET /metrics (Prometheus counters; default: answered, or [provider] metrics)");
  command->add_flag(
      "--no-healthz", options->no_healthz,
      "Do not answer GET /healthz (200 ok while the store can be read; default: answered, "
      "or [provider] healthz)");
  return {command, [options] { return run_serve(*options); }};
}

}  // namespace cli
