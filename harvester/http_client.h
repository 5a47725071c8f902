// HTTP for the harvester: libcurl, one connection kept alive per client.
#ifndef HARVESTER_HTTP_CLIENT_H_
#define HARVESTER_HTTP_CLIENT_H_

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "harvester/harvest_error.h"

namespace harvester {

struct HttpOptions {
  std::string user_agent;  // User-Agent header (HV-10)
  std::string from;        // From header: a contact e-mail, empty for none (HV-10)
  long connect_timeout_seconds = 30;
  // A transfer slower than low_speed_bytes a second for low_speed_seconds is
  // abandoned: it catches stalled and trickling servers.
  long low_speed_bytes = 100;
  long low_speed_seconds = 60;
  long total_timeout_seconds = 900;  // one request, from start to last byte
  long max_redirects = 5;
  // After decoding: bounds gzip bombs and endless bodies, and the memory of a
  // page (parsed, a page takes about four times its size besides itself).
  std::uint64_t max_response_bytes = 64ull << 20;
  // The Accept-Encoding header (HV-9); what libcurl can decode is undone.
  std::string accept_encoding = "gzip, deflate, identity;q=0.5";
};

// The request never produced a complete response: DNS, connect, reset,
// timeout, a redirect loop or a refused redirect target. `retryable` is false
// for what repeating cannot fix (a refused scheme, a response over the limit).
class TransportError : public HarvestError {
 public:
  TransportError(const std::string& message, bool retryable)
      : HarvestError(message), retryable_(retryable) {}
  bool retryable() const { return retryable_; }

 private:
  bool retryable_;
};

struct HttpResponse {
  long status = 0;
  std::string body;                        // decoded (gzip and deflate undone)
  std::string content_type;                // as sent, may be empty
  std::optional<std::string> retry_after;  // the Retry-After header, as sent
  std::string effective_url;               // after redirects
  long redirects = 0;                      // how many were followed
  std::string content_encoding;            // the Content-Encoding header, as sent
  std::uint64_t wire_bytes = 0;            // bytes received before decoding
  double seconds = 0;                      // from the start to the last byte
};

// One request: a GET of `url`, or, with a form body, a POST of it
// (application/x-www-form-urlencoded) to `url`. An empty accept_encoding
// uses HttpOptions::accept_encoding.
struct HttpRequest {
  std::string url;
  std::optional<std::string> form_body;
  std::string accept_encoding;
};

// One libcurl handle: requests reuse its connection (keep-alive). Only http
// and https are allowed, also as redirect targets; redirects are followed up
// to max_redirects. Sends `Accept-Encoding: gzip, deflate, identity;q=0.5`
// (HV-9). Not thread-safe: one client per thread.
class HttpClient {
 public:
  explicit HttpClient(HttpOptions options);
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  // Performs a GET of `url`. Any HTTP status is a response; throws
  // TransportError when there is none.
  HttpResponse get(const std::string& url) { return perform({url, std::nullopt, {}}); }

  // Performs `request`, like get().
  HttpResponse perform(const HttpRequest& request);

 private:
  HttpOptions options_;
  void* curl_;  // CURL*, owned
};

// The charset parameter of a Content-Type value ("text/xml; charset=ISO-8859-1"
// gives "ISO-8859-1"), or empty.
std::string charset_of(const std::string& content_type);

// Percent-encodes `value` for a query string: everything but unreserved
// characters (RFC 3986) becomes %XX, so `+`, `&`, `/` and `%` survive (HV-4, R-6).
std::string url_encode(const std::string& value);

}  // namespace harvester

#endif  // HARVESTER_HTTP_CLIENT_H_
