// What `oaipmh serve` answers at each path: OAI-PMH at the base URL's path,
// GET /metrics and GET /healthz at the root when enabled, 404, 405 and 415
// otherwise. A handler of HttpRequests with no sockets (the server of
// http_server.h calls it), tested on its own like the OAI handler.
#ifndef PROVIDER_SITE_H_
#define PROVIDER_SITE_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "provider/http_message.h"
#include "provider/metrics.h"
#include "provider/oai_handler.h"

namespace provider {

inline constexpr char kMetricsPath[] = "/metrics";
inline constexpr char kHealthzPath[] = "/healthz";

// The OAI-PMH endpoint's path for a base URL ("http://host:8080/oai" gives
// "/oai"; an empty base URL, "/oai"). Throws ProviderError when the base URL
// is not http(s), or when its path is one that an enabled /metrics or
// /healthz would answer instead (a harvester would get counters, and no
// error would say why).
std::string oai_path_for(const std::string& base_url, bool metrics, bool healthz);

struct SiteSettings {
  std::string store;     // the store to serve, opened read-only once a thread
  std::string oai_path;  // from oai_path_for()
  bool metrics = true;   // answer GET /metrics
  bool healthz = true;   // answer GET /healthz
};

class Site {
 public:
  explicit Site(SiteSettings settings);

  // Completes the site once the server has bound its port (the default base
  // URL names it): the OAI handler, and how many requests are in flight (for
  // /metrics). Call before the first answer().
  void start(std::unique_ptr<OaiHandler> handler, std::function<std::size_t()> in_flight);

  // The response to `request`. Thread-safe once started: it only reads its
  // members, each thread reads the store through its own connection, and the
  // metrics count with atomics. Throws StoreError when the store cannot be
  // read (the server answers 500).
  HttpResponse answer(const HttpRequest& request) const;

  // Counts one exchange of the OAI-PMH endpoint in the metrics (requests to
  // other paths are not counted, so scrapes and health checks do not swamp
  // what describes harvesters). Does nothing when /metrics is off.
  void observe(const ExchangeSummary& exchange) const;

  const std::string& oai_path() const { return settings_.oai_path; }
  bool counts_metrics() const { return metrics_ != nullptr; }

 private:
  HttpResponse answer_oai(const HttpRequest& request) const;
  HttpResponse answer_metrics() const;
  HttpResponse answer_healthz() const;

  const SiteSettings settings_;
  const std::unique_ptr<Metrics> metrics_;  // null when /metrics is off
  std::unique_ptr<OaiHandler> handler_;     // set by start()
  std::function<std::size_t()> in_flight_;  // set by start()
};

}  // namespace provider

#endif  // PROVIDER_SITE_H_
