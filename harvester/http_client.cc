#include "harvester/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace harvester {
namespace {

struct Transfer {
  HttpResponse* response;
  std::uint64_t limit;
  bool over_limit = false;
  std::string location;  // the last Location header: where a refused redirect pointed
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  std::string& body = transfer.response->body;
  const std::size_t bytes = size * count;
  if (body.size() + bytes > transfer.limit) {
    transfer.over_limit = true;
    return 0;  // makes libcurl fail with CURLE_WRITE_ERROR
  }
  body.append(data, bytes);  // never reallocates: get() reserved the limit
  return bytes;
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1));
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  auto& response = *transfer.response;
  const std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect)
    response.retry_after.reset();
    response.content_encoding.clear();
  }
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name == "retry-after") response.retry_after = trim(line.substr(colon + 1));
    if (name == "location") transfer.location = trim(line.substr(colon + 1)).substr(0, 200);
    if (name == "content-encoding") response.content_encoding = trim(line.substr(colon + 1));
  }
  return size * count;
}

// The size limit for people: "8 MiB" rather than a byte count.
std::string describe_limit(std::uint64_t bytes) {
  if (bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

// A message for a failed transfer that says what the server did.
std::string describe_failure(CURLcode code, const char* error, const Transfer& transfer,
                             const HttpOptions& options) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
      if (!transfer.location.empty()) {
        return "refused a redirect to " + transfer.location + ": only http and https are followed";
      }
      break;
    case CURLE_TOO_MANY_REDIRECTS:
      return "more than " + std::to_string(options.max_redirects) + " redirects (the last to " +
             transfer.location + "): a redirect loop?";
    case CURLE_FILESIZE_EXCEEDED:
      return "the response is larger than the limit of " +
             describe_limit(options.max_response_bytes) + " (max_response_mb)";
    default:
      break;
  }
  std::string message = error[0] != 0 ? error : curl_easy_strerror(code);
  // libcurl says "Operation too slow" for a stalled transfer: name it a timeout.
  if (code == CURLE_OPERATION_TIMEDOUT && message.find("timed out") == std::string::npos) {
    message = "timed out: " + message;
  }
  return message;
}

bool is_retryable(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_BAD_CONTENT_ENCODING:
      return false;
    default:
      return true;
  }
}

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Every option of one request but the error buffer.
void configure(CURL* curl, const HttpRequest& request, const HttpOptions& options,
               Transfer& transfer, curl_slist* headers) {
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  if (request.form_body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.form_body->c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.form_body->size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options.user_agent.c_str());
  const std::string& accept_encoding =
      request.accept_encoding.empty() ? options.accept_encoding : request.accept_encoding;
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, accept_encoding.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, options.max_redirects);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_bytes);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options.low_speed_seconds);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, options.total_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  // Refuses a Content-Length over the limit before any of the body comes
  // (the wire size: a compressed body is checked again as it is decoded).
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(options.max_response_bytes));
}

// What libcurl knows of the finished transfer: status, headers, sizes, time.
void read_transfer_info(CURL* curl, HttpResponse& response) {
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  const char* content_type = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type);
  if (content_type != nullptr) response.content_type = content_type;
  const char* effective = nullptr;
  curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective);
  if (effective != nullptr) response.effective_url = effective;
  curl_off_t wire = 0;
  curl_easy_getinfo(curl, CURLINFO_SIZE_DOWNLOAD_T, &wire);
  response.wire_bytes = static_cast<std::uint64_t>(wire);
  curl_easy_getinfo(curl, CURLINFO_REDIRECT_COUNT, &response.redirects);
  curl_off_t microseconds = 0;
  curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME_T, &microseconds);
  response.seconds = static_cast<double>(microseconds) / 1e6;
}

}  // namespace

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) {
  global_init_once();
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw TransportError("cannot start libcurl", false);
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse HttpClient::perform(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);  // keeps the connection cache: the next request reuses it
  HttpResponse response;
  // The whole limit, reserved up front: pages never written to take no
  // memory, and the body is never copied as it grows (doubling held the
  // old buffer besides the new, and left freed buffers in the heap: an
  // endless body peaked at 84 to 147 MiB under a 64 MiB limit).
  response.body.reserve(options_.max_response_bytes);
  Transfer transfer{&response, options_.max_response_bytes, false, {}};
  char error[CURL_ERROR_SIZE] = {};
  curl_slist* headers = nullptr;
  if (!options_.from.empty())
    headers = curl_slist_append(headers, ("From: " + options_.from).c_str());
  configure(curl, request, options_, transfer, headers);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    if (transfer.over_limit) {
      throw TransportError("the response is larger than the limit of " +
                               describe_limit(options_.max_response_bytes) +
                               " (max_response_mb), after decoding",
                           false);
    }
    throw TransportError(describe_failure(code, error, transfer, options_), is_retryable(code));
  }
  read_transfer_info(curl, response);
  return response;
}

std::string charset_of(const std::string& content_type) {
  std::string lowered = content_type;
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto at = lowered.find("charset=");
  if (at == std::string::npos) return {};
  at += 8;
  auto end = content_type.find(';', at);
  std::string charset = trim(content_type.substr(at, end == std::string::npos ? end : end - at));
  if (charset.size() >= 2 && charset.front() == '"' && charset.back() == '"') {
    charset = charset.substr(1, charset.size() - 2);
  }
  return charset;
}

std::string url_encode(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (const unsigned char c : value) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 0xF];
    }
  }
  return encoded;
}

}  // namespace harvester
