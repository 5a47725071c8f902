// One HTTP request and its response, as the server hands them to the site
// (provider/site.h) and back: no sockets, no Beast.
#ifndef PROVIDER_HTTP_MESSAGE_H_
#define PROVIDER_HTTP_MESSAGE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace provider {

struct HttpRequest {
  std::string method;        // "GET" or "POST"; a HEAD request arrives as "GET"
  std::string path;          // request target without the query, e.g. "/oai"
  std::string query;         // raw query string after '?', not decoded
  std::string body;          // raw body (chunked transfer coding already undone)
  std::string content_type;  // the request's Content-Type, empty if none
  std::string client;        // remote "address:port"
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/xml; charset=UTF-8";
  std::string body;  // uncompressed; the server compresses it (H-8)
  // Extra headers. The server owns framing and drops any of Content-Length,
  // Transfer-Encoding, Connection, Content-Encoding, Content-Type and Vary
  // given here, and any value containing CR or LF.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string log_detail;  // put in the access-log line, e.g. "verb=Identify"
};

// What the server did with one request, for metrics.
struct ExchangeSummary {
  std::string_view path;       // the request's path, "-" when not even its header could be read
  const HttpRequest* request;  // the request as given to the handler; nullptr when it could not
                               // be read whole (408, 413, 431, malformed) or was refused (405)
  int status;
  std::size_t body_bytes;  // body bytes written (after compression); 0 for HEAD or a failed write
  double seconds;          // from the request's first byte to the response's last
  bool overloaded;         // refused with 503 because max_in_flight requests were in flight
};

}  // namespace provider

#endif  // PROVIDER_HTTP_MESSAGE_H_
