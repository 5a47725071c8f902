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
#include <string_view>
#include <tuple>

#include "cli/commands.h"
#include "cli/configuration.h"
#include "oai/identifier.h"
#include "provider/http_server.h"
#include "provider/metrics.h"
#include "provider/oai_handler.h"
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

class ServeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "127.0.0.1:8080" -> address and port.
std::pair<std::string, std::uint16_t> split_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw ServeError("--listen must be ADDRESS:PORT, e.g. 127.0.0.1:8080");
  }
  std::string address = listen.substr(0, colon);
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  const std::string port_text = listen.substr(colon + 1);
  char* end = nullptr;
  const long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535) {
    throw ServeError("the port in --listen must be 0 to 65535");
  }
  return {address, static_cast<std::uint16_t>(port)};
}

// The path of a base URL: "http://host:8080/oai" -> "/oai".
std::string path_of(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) throw ServeError("the base URL must be http:// or https://");
  const auto slash = url.find('/', scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
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
    if (key.size() < 32) throw ServeError("the store has no resumption_token_key setting");
    return hex_to_bytes(key);
  }
  std::ifstream in(settings.token_key_file, std::ios::binary);
  std::ostringstream key;
  key << in.rdbuf();
  if (!in || key.str().size() < 16) {
    throw ServeError("cannot read at least 16 bytes of key from " + settings.token_key_file);
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

// Each thread that calls the handler reads through its own read-only connection.
store::Store& thread_store(const std::string& path) {
  thread_local std::unique_ptr<store::Store> store;
  if (!store) store = std::make_unique<store::Store>(store::Store::open(path, {.read_only = true}));
  return *store;
}

std::string utc_now() {
  char text[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

constexpr std::string_view kMetricsPath = "/metrics";
constexpr std::string_view kHealthzPath = "/healthz";

// The OAI-PMH endpoint's path, from the base URL. Refuses a path that an
// enabled /metrics or /healthz would shadow: a harvester would get counters
// instead of OAI-PMH, and no error would say why.
std::string oai_path_of(const ServeSettings& settings) {
  const std::string path = settings.base_url.empty() ? "/oai" : path_of(settings.base_url);
  for (const auto& [enabled, reserved, flag] :
       {std::tuple{settings.metrics, kMetricsPath, "--no-metrics"},
        {settings.healthz, kHealthzPath, "--no-healthz"}}) {
    if (enabled && path == reserved) {
      throw ConfigurationError("the base URL's path " + path + " is where oaipmh serve answers " +
                               std::string(reserved) +
                               "; give the OAI-PMH endpoint another path, or " + flag +
                               " to turn " + std::string(reserved) + " off");
    }
  }
  return path;
}

provider::HttpResponse text_response(int status, std::string body) {
  provider::HttpResponse response;
  response.status = status;
  response.content_type = "text/plain; charset=UTF-8";
  response.body = std::move(body);
  return response;
}

// What `serve` answers at each path: OAI-PMH at the base URL's path, and
// /metrics and /healthz at the root when enabled. Called from the server's
// handler threads (answer) and io threads (observe) at once: after start()
// it only reads its members, and Metrics counts with atomics.
class Site {
 public:
  Site(std::string store_path, std::string oai_path, bool metrics, bool healthz)
      : store_path_(std::move(store_path)),
        oai_path_(std::move(oai_path)),
        metrics_(metrics ? std::make_unique<provider::Metrics>() : nullptr),
        healthz_(healthz) {}

  // Completes the site once the server has bound its port (the default base
  // URL names it). Call before server.run().
  void start(provider::HttpServer& server, std::unique_ptr<provider::OaiHandler> handler) {
    server_ = &server;
    handler_ = std::move(handler);
    if (metrics_) server.set_exchange_observer([this](const auto& exchange) { observe(exchange); });
  }

  const std::string& oai_path() const { return oai_path_; }

  provider::HttpResponse answer(const provider::HttpRequest& request) const {
    if (request.path == oai_path_) return answer_oai(request);
    const bool metrics = metrics_ && request.path == kMetricsPath;
    if (!metrics && !(healthz_ && request.path == kHealthzPath)) {
      return text_response(404, "Not found. The OAI-PMH endpoint is " + oai_path_ + "\n");
    }
    if (request.method != "GET") {  // HEAD arrives as GET
      auto response = text_response(405, "Method Not Allowed: use GET\n");
      response.headers.emplace_back("Allow", "GET, HEAD");
      return response;
    }
    auto response = metrics ? answer_metrics() : answer_healthz();
    response.headers.emplace_back("Cache-Control", "no-store");  // always the current state
    return response;
  }

 private:
  provider::HttpResponse answer_oai(const provider::HttpRequest& request) const {
    const bool form = request.method == "POST";
    if (form && request.content_type.rfind("application/x-www-form-urlencoded", 0) != 0) {
      return text_response(415,
                           "POST needs Content-Type: application/x-www-form-urlencoded (H-2)\n");
    }
    const std::string& raw = form ? request.body : request.query;
    const auto arguments = provider::parse_form(raw);
    auto reply = arguments ? handler_->handle(*arguments, thread_store(store_path_))
                           : handler_->undecodable(raw);
    if (metrics_) metrics_->count_records(provider::VerbLabel::of(arguments), reply.records);
    provider::HttpResponse response;
    response.body = std::move(reply.body);
    response.log_detail = std::move(reply.log_detail);
    return response;
  }

  provider::HttpResponse answer_metrics() const {
    // The scrape itself is in flight while it renders; the gauge leaves it out.
    const std::size_t in_flight = server_->in_flight();
    auto response = text_response(200, metrics_->render(in_flight > 0 ? in_flight - 1 : 0));
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.log_detail = "metrics";
    return response;
  }

  // A fresh connection each time: the handler threads' connections stay
  // open, and would keep reading a store file that was deleted or replaced,
  // or whose permissions changed.
  provider::HttpResponse answer_healthz() const {
    try {
      const auto store =
          store::Store::open(store_path_, {.read_only = true, .busy_timeout_ms = 2000});
      store.setting("resumption_token_key");  // reads a table, not only the file header
      auto response = text_response(200, "ok\n");
      response.log_detail = "healthz";
      return response;
    } catch (const std::exception& error) {
      // The reason goes to the log only: it names paths a client need not see.
      auto response = text_response(503, "unavailable: the store cannot be read\n");
      response.log_detail = std::string("healthz: ") + error.what();
      return response;
    }
  }

  // Counts requests to the OAI-PMH endpoint only: scrapes and health checks
  // would otherwise swamp the numbers that describe harvesters.
  void observe(const provider::ExchangeSummary& exchange) const {
    if (exchange.overloaded) metrics_->count_overload();
    if (exchange.path != oai_path_) return;
    const provider::HttpRequest* request = exchange.request;
    const auto verb = request == nullptr
                          ? provider::VerbLabel::none()
                          : provider::VerbLabel::of_form(
                                request->method == "POST" ? request->body : request->query);
    metrics_->count_request(verb, exchange.status, exchange.body_bytes, exchange.seconds);
  }

  const std::string store_path_;
  const std::string oai_path_;
  const std::unique_ptr<provider::Metrics> metrics_;  // null when /metrics is off
  const bool healthz_;
  provider::HttpServer* server_ = nullptr;         // set by start()
  std::unique_ptr<provider::OaiHandler> handler_;  // set by start()
};

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
  // thread_store): handing every request to another thread and back cost
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
  Site site(options.store, oai_path_of(settings), settings.metrics, settings.healthz);
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
  site.start(server, std::make_unique<provider::OaiHandler>(provider_settings, codec, [] {
               return static_cast<std::int64_t>(std::time(nullptr));
             }));
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
  return {command, [options] {
            try {
              return run_serve(*options);
            } catch (const ConfigurationError& error) {
              std::fprintf(stderr, "oaipmh serve: %s\n", error.what());
              return kExitUsage;
            } catch (const ServeError& error) {
              std::fprintf(stderr, "oaipmh serve: %s\n", error.what());
              return kExitUsage;
            }
          }};
}

}  // namespace cli
