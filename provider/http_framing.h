// The bytes around a response and the line it leaves in the log: what the
// server writes before a body, and how it reads a request target. No
// sockets, no Beast: the rules are tested on their own.
#ifndef PROVIDER_HTTP_FRAMING_H_
#define PROVIDER_HTTP_FRAMING_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "provider/http_message.h"

namespace provider {

// How a response goes out.
struct Framing {
  unsigned http_version = 11;         // 10 or 11
  bool close = true;                  // the connection closes after this response
  std::string_view content_encoding;  // applied to the body; empty for none
  std::size_t content_length = 0;     // of the body as sent (GET's for HEAD)
};

// The status line and header fields of `response`, ending with the blank
// line: the response's own fields first (any the server owns, or whose
// value holds CR or LF, dropped), then Content-Type, Vary: Accept-Encoding,
// Content-Encoding when encoded, Connection when it differs from the
// version's default, Content-Length. Requires a status the framing can
// carry: 200-599 but 204 and 304.
std::string response_head(const HttpResponse& response, const Framing& framing);

// The reason phrase of an HTTP status ("OK", "Not Found"), or "Unknown".
std::string_view reason_phrase(int status);

// Whether the server writes the header field `name` itself (Content-Length,
// Transfer-Encoding, Connection, Content-Encoding, Content-Type, Vary; any
// case), so a handler's field of that name is dropped.
bool is_server_owned_header(std::string_view name);

// Splits an origin-form ("/oai?verb=Identify") or absolute-form
// ("http://host/oai?...") request target into its path and raw query.
std::pair<std::string, std::string> split_target(std::string_view target);

// A plain-text response: `text` and a newline.
HttpResponse text_response(int status, std::string_view text);

// One access-log line (no newline): time, client, method, path, the
// handler's detail ("-" when empty), status, body bytes sent, milliseconds:
//   2026-11-29T21:01:46Z 127.0.0.1:41714 GET /oai verb=Identify 200 297 1.6ms
std::string access_log_line(std::string_view time, std::string_view client, std::string_view method,
                            std::string_view path, std::string_view detail, int status,
                            std::size_t body_bytes, double milliseconds);

// The current time, "2026-11-29T21:58:02Z", formatted at most once a second
// a thread.
const char* utc_timestamp();

}  // namespace provider

#endif  // PROVIDER_HTTP_FRAMING_H_
