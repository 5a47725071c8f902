#include "provider/site.h"

#include <string_view>
#include <tuple>
#include <utility>

#include "provider/provider_error.h"
#include "store/store.h"

namespace provider {
namespace {

// Each thread that answers reads through its own read-only connection.
store::Store& thread_store(const std::string& name) {
  thread_local std::unique_ptr<store::Store> store;
  if (!store) store = std::make_unique<store::Store>(store::Store::open(name, {.read_only = true}));
  return *store;
}

HttpResponse plain(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain; charset=UTF-8";
  response.body = std::move(body);
  return response;
}

}  // namespace

std::string oai_path_for(const std::string& base_url, bool metrics, bool healthz) {
  std::string path = "/oai";
  if (!base_url.empty()) {
    const auto scheme = base_url.find("://");
    if (scheme == std::string::npos ||
        (base_url.rfind("http://", 0) != 0 && base_url.rfind("https://", 0) != 0)) {
      throw ProviderError("the base URL must be http:// or https://");
    }
    const auto slash = base_url.find('/', scheme + 3);
    path = slash == std::string::npos ? "/" : base_url.substr(slash);
  }
  for (const auto& [enabled, reserved, flag] :
       {std::tuple{metrics, std::string_view(kMetricsPath), "--no-metrics"},
        {healthz, std::string_view(kHealthzPath), "--no-healthz"}}) {
    if (enabled && path == reserved) {
      throw ProviderError("the base URL's path " + path + " is where oaipmh serve answers " +
                          std::string(reserved) + "; give the OAI-PMH endpoint another path, or " +
                          flag + " to turn " + std::string(reserved) + " off");
    }
  }
  return path;
}

Site::Site(SiteSettings settings)
    : settings_(std::move(settings)),
      metrics_(settings_.metrics ? std::make_unique<Metrics>() : nullptr) {}

void Site::start(std::unique_ptr<OaiHandler> handler, std::function<std::size_t()> in_flight) {
  handler_ = std::move(handler);
  in_flight_ = std::move(in_flight);
}

HttpResponse Site::answer(const HttpRequest& request) const {
  if (request.path == settings_.oai_path) return answer_oai(request);
  const bool metrics = metrics_ && request.path == kMetricsPath;
  if (!metrics && !(settings_.healthz && request.path == kHealthzPath)) {
    return plain(404, "Not found. The OAI-PMH endpoint is " + settings_.oai_path + "\n");
  }
  if (request.method != "GET") {  // HEAD arrives as GET
    auto response = plain(405, "Method Not Allowed: use GET\n");
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  auto response = metrics ? answer_metrics() : answer_healthz();
  response.headers.emplace_back("Cache-Control", "no-store");  // always the current state
  return response;
}

HttpResponse Site::answer_oai(const HttpRequest& request) const {
  const bool form = request.method == "POST";
  if (form && request.content_type.rfind("application/x-www-form-urlencoded", 0) != 0) {
    return plain(415, "POST needs Content-Type: application/x-www-form-urlencoded (H-2)\n");
  }
  const std::string& raw = form ? request.body : request.query;
  const auto arguments = parse_form(raw);
  auto reply = arguments ? handler_->handle(*arguments, thread_store(settings_.store))
                         : handler_->undecodable(raw);
  if (metrics_) metrics_->count_records(VerbLabel::of(arguments), reply.records);
  HttpResponse response;
  response.body = std::move(reply.body);
  response.log_detail = std::move(reply.log_detail);
  return response;
}

HttpResponse Site::answer_metrics() const {
  // The scrape itself is in flight while it renders; the gauge leaves it out.
  const std::size_t in_flight = in_flight_ ? in_flight_() : 0;
  auto response = plain(200, metrics_->render(in_flight > 0 ? in_flight - 1 : 0));
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.log_detail = "metrics";
  return response;
}

// A fresh connection each time: the answering threads' connections stay
// open, and would keep reading a store file that was deleted or replaced,
// or whose permissions changed.
HttpResponse Site::answer_healthz() const {
  try {
    const auto store =
        store::Store::open(settings_.store, {.read_only = true, .busy_timeout_ms = 2000});
    store.setting("resumption_token_key");  // reads a table, not only the file header
    auto response = plain(200, "ok\n");
    response.log_detail = "healthz";
    return response;
  } catch (const std::exception& error) {
    // The reason goes to the log only: it names paths a client need not see.
    auto response = plain(503, "unavailable: the store cannot be read\n");
    response.log_detail = std::string("healthz: ") + error.what();
    return response;
  }
}

void Site::observe(const ExchangeSummary& exchange) const {
  if (!metrics_) return;
  if (exchange.overloaded) metrics_->count_overload();
  if (exchange.path != settings_.oai_path) return;
  const HttpRequest* request = exchange.request;
  const auto verb =
      request == nullptr
          ? VerbLabel::none()
          : VerbLabel::of_form(request->method == "POST" ? request->body : request->query);
  metrics_->count_request(verb, exchange.status, exchange.body_bytes, exchange.seconds);
}

}  // namespace provider
