#include "validator/session.h"

#include <thread>

#include "harvester/retry.h"

namespace validator {
namespace {

harvester::HttpOptions http_options(const SessionOptions& options) {
  harvester::HttpOptions http;
  http.user_agent = options.user_agent;
  http.from = options.from;
  http.connect_timeout_seconds = std::min<long>(30, options.request_timeout_seconds);
  http.total_timeout_seconds = options.request_timeout_seconds;
  http.low_speed_seconds = std::min<long>(60, options.request_timeout_seconds);
  return http;
}

}  // namespace

std::string to_query(const Arguments& arguments) {
  std::string query;
  for (const auto& [key, value] : arguments) {
    if (!query.empty()) query += '&';
    query += harvester::url_encode(key) + "=" + harvester::url_encode(value);
  }
  return query;
}

std::string Exchange::describe(const std::string& base_url) const {
  if (method == "POST") return "POST " + base_url + " (body " + query + ")";
  return "GET " + base_url + (query.empty() ? "" : "?" + query);
}

Session::Session(SessionOptions options)
    : options_(std::move(options)),
      client_(http_options(options_)),
      started_(std::chrono::steady_clock::now()),
      last_end_(started_ - std::chrono::hours(1)) {}

double Session::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

void Session::wait_turn(double seconds) {
  const auto due = last_end_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(seconds));
  if (due > started_ + options_.time_limit)
    throw StopRun("the time limit of " + std::to_string(options_.time_limit.count()) +
                  " s is reached");
  std::this_thread::sleep_until(due);
}

Exchange Session::send_once(const Arguments& arguments, bool post,
                            const std::string& accept_encoding) {
  if (requests_ >= options_.max_requests)
    throw StopRun("the budget of " + std::to_string(options_.max_requests) +
                  " requests (--max-requests) is used up");
  if (std::chrono::steady_clock::now() > started_ + options_.time_limit)
    throw StopRun("the time limit of " + std::to_string(options_.time_limit.count()) +
                  " s is reached");
  ++requests_;
  Exchange exchange;
  exchange.method = post ? "POST" : "GET";
  exchange.query = to_query(arguments);
  harvester::HttpRequest request;
  request.accept_encoding = accept_encoding;
  if (post) {
    request.url = options_.base_url;
    request.form_body = exchange.query;
  } else {
    request.url = options_.base_url + (exchange.query.empty() ? "" : "?" + exchange.query);
  }
  try {
    exchange.response = client_.perform(request);
  } catch (const harvester::TransportError& error) {
    exchange.transport_error = error.what();
  }
  last_end_ = std::chrono::steady_clock::now();
  return exchange;
}

Exchange Session::send(const Arguments& arguments, bool post, const std::string& accept_encoding) {
  std::vector<std::optional<std::string>> unavailable;
  double wait = options_.delay_seconds;
  for (int attempt = 0;; ++attempt) {
    wait_turn(wait);
    Exchange exchange = send_once(arguments, post, accept_encoding);
    if (!exchange.answered() || exchange.response.status != 503 || attempt == 2) {
      exchange.unavailable = std::move(unavailable);
      return exchange;
    }
    unavailable.push_back(exchange.response.retry_after);
    const auto& header = exchange.response.retry_after;
    const auto asked = header
                           ? harvester::parse_retry_after(*header, std::chrono::system_clock::now())
                           : std::nullopt;
    if (asked && *asked > options_.max_retry_after_seconds)
      throw StopRun("the repository asks to wait " + *exchange.response.retry_after +
                    " s (Retry-After), longer than " +
                    std::to_string(static_cast<int>(options_.max_retry_after_seconds)) + " s");
    wait = std::max(options_.delay_seconds, asked.value_or(2.0));
  }
}

}  // namespace validator
