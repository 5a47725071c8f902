// HTTP requests for tests, with libcurl: status, headers and body, nothing hidden.
#ifndef TESTS_SUPPORT_HTTP_H_
#define TESTS_SUPPORT_HTTP_H_

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

namespace testing_support {

struct HttpResult {
  long status = 0;
  std::string body;                  // as received (not decoded)
  std::vector<std::string> headers;  // raw header lines
  std::string error;                 // libcurl's message when there was no response

  // The value of header `name` (case-insensitive), or empty.
  std::string header(std::string name) const {
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    for (const auto& line : headers) {
      std::string lower = line;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      if (lower.rfind(name + ":", 0) == 0) {
        std::string value = line.substr(name.size() + 1);
        value.erase(0, value.find_first_not_of(' '));
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
        return value;
      }
    }
    return {};
  }
};

// `value` percent-encoded for a query string: every byte but the unreserved
// characters of RFC 3986 becomes %XX.
inline std::string percent_encoded(const std::string& value) {
  std::string out;
  for (const unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

// GET `url` (or POST `post_body` as a form when given), with extra request headers.
inline HttpResult http_request(const std::string& url, const std::vector<std::string>& headers = {},
                               const std::string* post_body = nullptr) {
  HttpResult result;
  CURL* curl = curl_easy_init();
  curl_slist* list = nullptr;
  for (const auto& header : headers) list = curl_slist_append(list, header.c_str());
  auto on_body = +[](char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
  };
  auto on_header = +[](char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::vector<std::string>*>(out)->emplace_back(data, size * count);
    return size * count;
  };
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  if (post_body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_body->c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(post_body->size()));
  }
  const CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  } else {
    result.error = curl_easy_strerror(code);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return result;
}

}  // namespace testing_support

#endif  // TESTS_SUPPORT_HTTP_H_
