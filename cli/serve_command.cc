// oaipmh serve: publish the store as an OAI-PMH 2.0 repository over HTTP.
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
#include "store/store.h"

namespace cli {
namespace {

struct ServeOptions {
  std::string store;
  std::string config;
  ServeSettings settings;
  // Command-line values; empty when not given (the configuration's stand).
  std::string listen, base_url, repository_name, admin_email, repository_identifier;
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
  if (at == std::string::npos || at == 0 || settings.admin_email.find('.', at) == std::string::npos ||
      settings.admin_email.find(' ') != std::string::npos) {
    throw ConfigurationError("admin e-mail '" + settings.admin_email + "' is not an e-mail address");
  }
}

// Each io thread reads through its own read-only connection.
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

int run_serve(ServeOptions& options) {
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
  if (options.store.empty()) throw ConfigurationError("no store: give --store or 'store' in the configuration");
  check_settings(settings);
  const auto [address, port] = split_listen(settings.listen);
  const auto probe = store::Store::open(options.store, {.read_only = true});

  provider::ProviderSettings provider_settings;
  provider_settings.repository_name = settings.repository_name;
  provider_settings.admin_email = settings.admin_email;
  provider_settings.repository_identifier = settings.repository_identifier;
  provider_settings.records_per_page = settings.records_per_page;
  provider_settings.identifiers_per_page = settings.identifiers_per_page;
  provider::TokenCodec codec(token_key(settings, probe));

  provider::ServerLimits limits;
  limits.threads = settings.threads;
  limits.max_in_flight = static_cast<std::size_t>(settings.max_in_flight);
  limits.max_connections = static_cast<std::size_t>(settings.max_connections);
  limits.request_timeout = std::chrono::seconds(settings.request_timeout);
  limits.idle_timeout = std::chrono::seconds(settings.idle_timeout);
  limits.retry_after_seconds = settings.retry_after;

  std::unique_ptr<provider::OaiHandler> handler;
  std::string oai_path;
  const std::string store_path = options.store;
  auto serve = [&](const provider::HttpRequest& request) {
    provider::HttpResponse response;
    if (request.path != oai_path) {
      response.status = 404;
      response.content_type = "text/plain; charset=UTF-8";
      response.body = "Not found. The OAI-PMH endpoint is " + oai_path + "\n";
      return response;
    }
    const bool form = request.method == "POST";
    if (form && request.content_type.rfind("application/x-www-form-urlencoded", 0) != 0) {
      response.status = 415;
      response.content_type = "text/plain; charset=UTF-8";
      response.body = "POST needs Content-Type: application/x-www-form-urlencoded (H-2)\n";
      return response;
    }
    const std::string& raw = form ? request.body : request.query;
    const auto arguments = provider::parse_form(raw);
    auto reply = arguments ? handler->handle(*arguments, thread_store(store_path))
                           : handler->undecodable(raw);
    response.body = std::move(reply.body);
    response.log_detail = std::move(reply.log_detail);
    return response;
  };
  auto access_log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  provider::HttpServer server(address, port, limits, serve, access_log);
  const std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  provider_settings.base_url = settings.base_url.empty()
                                   ? "http://" + host + ":" + std::to_string(server.port()) + "/oai"
                                   : settings.base_url;
  oai_path = path_of(provider_settings.base_url);
  handler = std::make_unique<provider::OaiHandler>(
      provider_settings, codec, [] { return static_cast<std::int64_t>(std::time(nullptr)); });
  std::fprintf(stderr, "%s oaipmh serve: listening on http://%s:%u%s (base URL %s), store %s\n",
               utc_now().c_str(), host.c_str(), server.port(), oai_path.c_str(),
               provider_settings.base_url.c_str(), options.store.c_str());
  server.run(/*handle_signals=*/true);
  std::fprintf(stderr, "%s oaipmh serve: stopped\n", utc_now().c_str());
  return kExitOk;
}

}  // namespace

Command add_serve_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "serve",
      "Serve the store as an OAI-PMH 2.0 repository (GET and POST at the base URL).\n\n"
      "The store is opened read-only: a harvest may write to it meanwhile. SIGTERM or\n"
      "SIGINT stops accepting, finishes the requests in flight and exits 0.\n\n"
      "Exit status: 0 stopped cleanly; 1 the server failed (e.g. the address is in use,\n"
      "the store cannot be read); 2 usage or configuration error.");
  auto options = std::make_shared<ServeOptions>();
  command->add_option("--store", options->store, "SQLite store to serve (default: 'store' of the configuration)");
  command->add_option("--config", options->config, "TOML configuration; its [provider] table");
  command->add_option("--listen", options->listen, "ADDRESS:PORT to listen on (default 127.0.0.1:8080; port 0 picks one)");
  command->add_option("--base-url", options->base_url,
                      "Canonical base URL for Identify and <request> (default http://LISTEN/oai)");
  command->add_option("--repository-name", options->repository_name, "Identify repositoryName (default 'oaipmh aggregator')");
  command->add_option("--admin-email", options->admin_email, "Identify adminEmail (default admin@example.org)");
  command->add_option("--repository-identifier", options->repository_identifier,
                      "Domain name in our identifiers oai:<ID>:<source>/<id> (default aggregator.example.org)");
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
