// The validator's side of HTTP: one connection at a time, a request budget,
// a delay between requests, Retry-After honoured, a time limit for the run.
#ifndef VALIDATOR_SESSION_H_
#define VALIDATOR_SESSION_H_

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harvester/http_client.h"

namespace validator {

// A request's arguments in order, repeats allowed (the error checks repeat
// some on purpose). Values are percent-encoded when sent.
using Arguments = std::vector<std::pair<std::string, std::string>>;

struct SessionOptions {
  std::string base_url;
  int max_requests = 200;
  double delay_seconds = 0.5;  // between the end of one request and the next
  std::chrono::seconds time_limit{600};
  std::string user_agent;
  std::string from;  // the From header: the operator's contact, may be empty
  long request_timeout_seconds = 60;
  double max_retry_after_seconds = 60;  // a longer Retry-After stops the run
};

// One request and what came back.
struct Exchange {
  std::string method;  // GET or POST
  std::string query;   // the arguments as sent: "verb=ListRecords&metadataPrefix=oai_dc"
  harvester::HttpResponse response;
  std::string transport_error;                          // when no response came: what went wrong
  std::vector<std::optional<std::string>> unavailable;  // Retry-After of each 503 retried

  bool answered() const { return transport_error.empty(); }
  // "GET http://host/oai?verb=Identify", for the report.
  std::string describe(const std::string& base_url) const;
};

// The run cannot go on: the budget or the time limit is used up, or the
// repository asked us to wait longer than we will. Says which.
class StopRun : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Session {
 public:
  explicit Session(SessionOptions options);

  // Sends the request (GET, or POST with the arguments as the form body) to
  // the base URL with `accept_encoding` ("identity" unless the check is about
  // compression). A 503 is retried after its Retry-After (seconds or an
  // HTTP date; 2 s when it has none or it is neither), twice at most, each
  // try counted. Throws StopRun when no request
  // may be made any more.
  Exchange send(const Arguments& arguments, bool post = false,
                const std::string& accept_encoding = "identity");

  int requests() const { return requests_; }
  int remaining() const { return options_.max_requests - requests_; }
  double elapsed_seconds() const;
  const SessionOptions& options() const { return options_; }

 private:
  void wait_turn(double seconds);
  Exchange send_once(const Arguments& arguments, bool post, const std::string& accept_encoding);

  SessionOptions options_;
  harvester::HttpClient client_;
  int requests_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_end_;
};

// The arguments as a query string, values percent-encoded.
std::string to_query(const Arguments& arguments);

}  // namespace validator

#endif  // VALIDATOR_SESSION_H_
