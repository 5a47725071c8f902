#include "provider/http_framing.h"

#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace provider {
namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

constexpr std::array<std::pair<int, std::string_view>, 25> kReasons = {{
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {408, "Request Timeout"},
    {410, "Gone"},
    {413, "Payload Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {503, "Service Unavailable"},
    {505, "HTTP Version Not Supported"},
}};

}  // namespace

std::string_view reason_phrase(int status) {
  for (const auto& [code, reason] : kReasons) {
    if (code == status) return reason;
  }
  return "Unknown";
}

bool is_server_owned_header(std::string_view name) {
  for (std::string_view owned : {"content-length", "transfer-encoding", "connection",
                                 "content-encoding", "content-type", "vary"}) {
    if (equal_ignoring_case(name, owned)) return true;
  }
  return false;
}

std::string response_head(const HttpResponse& response, const Framing& framing) {
  std::string head;
  head.reserve(160 + response.content_type.size());
  head += framing.http_version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += reason_phrase(response.status);
  head += "\r\n";
  for (const auto& [name, value] : response.headers) {
    if (is_server_owned_header(name) || name.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      continue;
    }
    head.append(name).append(": ").append(value).append("\r\n");
  }
  if (response.content_type.find_first_of("\r\n") == std::string::npos) {
    head.append("Content-Type: ").append(response.content_type).append("\r\n");
  }
  head += "Vary: Accept-Encoding\r\n";
  if (!framing.content_encoding.empty()) {
    head.append("Content-Encoding: ").append(framing.content_encoding).append("\r\n");
  }
  // HTTP/1.1 keeps the connection unless told; HTTP/1.0 closes it unless told.
  if (framing.http_version >= 11 && framing.close) head += "Connection: close\r\n";
  if (framing.http_version < 11 && !framing.close) head += "Connection: keep-alive\r\n";
  head += "Content-Length: ";
  head += std::to_string(framing.content_length);
  head += "\r\n\r\n";
  return head;
}

std::pair<std::string, std::string> split_target(std::string_view target) {
  if (const auto scheme = target.find("://");
      scheme != std::string_view::npos && target.find('/') > scheme) {
    const auto path = target.find('/', scheme + 3);
    target = path == std::string_view::npos ? "/" : target.substr(path);
  }
  const auto question = target.find('?');
  if (question == std::string_view::npos) return {std::string(target), ""};
  return {std::string(target.substr(0, question)), std::string(target.substr(question + 1))};
}

HttpResponse text_response(int status, std::string_view text) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain; charset=UTF-8";
  response.body = std::string(text) + "\n";
  return response;
}

std::string access_log_line(std::string_view time, std::string_view client, std::string_view method,
                            std::string_view path, std::string_view detail, int status,
                            std::size_t body_bytes, double milliseconds) {
  char numbers[64];
  std::snprintf(numbers, sizeof numbers, " %d %zu %.1fms", status, body_bytes, milliseconds);
  std::string line;
  line.reserve(64 + client.size() + path.size() + detail.size());
  line.append(time).append(" ").append(client).append(" ");
  line.append(method).append(" ").append(path).append(" ");
  line.append(detail.empty() ? std::string_view("-") : detail).append(numbers);
  return line;
}

const char* utc_timestamp() {
  thread_local std::time_t formatted_second = -1;
  thread_local char text[32];
  const std::time_t now = std::time(nullptr);
  if (now != formatted_second) {
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    formatted_second = now;
  }
  return text;
}

}  // namespace provider
