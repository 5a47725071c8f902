// The provider's HTTP layer over real sockets on 127.0.0.1: libcurl for
// well-formed requests, raw POSIX sockets for malformed, oversized or
// half-sent ones.
#include "provider/http_server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "provider/compression.h"

namespace provider {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// curl_global_init is not thread-safe: done once, before any test thread.
class CurlEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { curl_global_init(CURL_GLOBAL_DEFAULT); }
  void TearDown() override { curl_global_cleanup(); }
};
const auto* const kCurlEnvironment = ::testing::AddGlobalTestEnvironment(new CurlEnvironment);

bool wait_until(const std::function<bool()>& done, Clock::duration limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Strict zlib decoding: window_bits 15+16 accepts only gzip, 15 only zlib.
std::string inflate_all(const std::string& data, int window_bits) {
  z_stream stream{};
  if (inflateInit2(&stream, window_bits) != Z_OK) return "<inflateInit2 failed>";
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char chunk[4096];
  int status = Z_OK;
  while (status == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof chunk;
    status = inflate(&stream, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - stream.avail_out);
  }
  inflateEnd(&stream);
  return status == Z_STREAM_END ? out : "<inflate failed>";
}

std::string big_body() {
  std::string body = "<records>\n";
  for (int i = 0; i < 200; ++i)
    body += "  <record><id>oai:x:" + std::to_string(i) + "</id></record>\n";
  return body + "</records>\n";
}

// Holds /slow requests until the test releases them: no race against a sleep.
struct SlowGate {
  std::atomic<int> entered{0};
  std::atomic<bool> released{false};
};

// Echoes the request; /big answers a compressible body, /slow waits at
// `gate` (at most 5 s), /throw throws.
Handler echo_handler(SlowGate* gate = nullptr) {
  return [gate](const HttpRequest& request) {
    if (request.path == "/throw") throw std::runtime_error("boom");
    if (request.path == "/slow" && gate) {
      ++gate->entered;
      wait_until([gate] { return gate->released.load(); }, 5s);
    }
    HttpResponse response;
    response.content_type = "text/plain; charset=UTF-8";
    response.body = request.path == "/big"
                        ? big_body()
                        : "method=" + request.method + "\npath=" + request.path +
                              "\nquery=" + request.query + "\nbody=" + request.body +
                              "\ncontent_type=" + request.content_type + "\n";
    response.log_detail = "echo";
    return response;
  };
}

ServerLimits test_limits() {
  ServerLimits limits;
  limits.threads = 2;
  limits.handler_threads = 2;
  limits.request_timeout = 5s;
  limits.idle_timeout = 5s;
  limits.stop_grace = 3s;
  return limits;
}

// An HttpServer on 127.0.0.1 and an ephemeral port, run() in the background.
class TestServer {
 public:
  explicit TestServer(ServerLimits limits = test_limits(), Handler handler = echo_handler(),
                      bool handle_signals = false)
      : server_("127.0.0.1", 0, limits, std::move(handler), [this](const std::string& line) {
          std::lock_guard lock(mutex_);
          lines_.push_back(line);
        }) {
    runner_ =
        std::async(std::launch::async, [this, handle_signals] { server_.run(handle_signals); });
  }
  ~TestServer() {
    server_.stop();
    if (!run_returned_within(10s)) {
      std::fprintf(stderr, "HttpServer::run did not return after stop()\n");
      std::abort();  // keeps the suite bounded in time
    }
  }
  HttpServer& server() { return server_; }
  std::uint16_t port() const { return server_.port(); }
  std::string url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(port()) + target;
  }
  bool run_returned_within(Clock::duration limit) {
    return runner_.wait_for(limit) == std::future_status::ready;
  }
  // The access log, once it has at least `count` lines (or after 3 s).
  std::vector<std::string> log_lines(std::size_t count) {
    wait_until(
        [&] {
          std::lock_guard lock(mutex_);
          return lines_.size() >= count;
        },
        3s);
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
  HttpServer server_;
  std::future<void> runner_;
};

struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names, last response only
  std::string body;                            // as received: not decoded
  long new_connections = -1;
  bool has(const std::string& name) const { return headers.count(name) > 0; }
};

struct Call {
  std::string method;  // empty: GET, or POST when there is a body
  std::string body;
  std::vector<std::string> headers;
};

std::size_t collect_body(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<Reply*>(out)->body.append(data, size * count);
  return size * count;
}

std::size_t collect_header(char* data, std::size_t size, std::size_t count, void* out) {
  auto& headers = static_cast<Reply*>(out)->headers;
  std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) headers.clear();  // a new (possibly interim) response
  const auto colon = line.find(':');
  if (colon == std::string::npos) return size * count;
  std::string name = line.substr(0, colon);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto start = line.find_first_not_of(' ', colon + 1);
  const auto end = line.find_last_not_of("\r\n");
  headers[name] = start <= end ? line.substr(start, end - start + 1) : "";
  return size * count;
}

Reply perform(CURL* curl, const std::string& url, const Call& call = {}) {
  Reply reply;
  curl_slist* headers = nullptr;
  for (const auto& h : call.headers) {
    if (!h.empty()) headers = curl_slist_append(headers, h.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_HTTP_CONTENT_DECODING, 0L);  // we check the raw bytes
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply);
  curl_easy_setopt(curl, CURLOPT_NOBODY, call.method == "HEAD" ? 1L : 0L);
  if (!call.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(call.body.size()));
  }
  const bool custom = !call.method.empty() && call.method != "HEAD";
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, custom ? call.method.c_str() : nullptr);
  reply.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &reply.new_connections);
  curl_slist_free_all(headers);
  return reply;
}

Reply fetch(const std::string& url, const Call& call = {}) {
  CURL* curl = curl_easy_init();
  Reply reply = perform(curl, url, call);
  curl_easy_cleanup(curl);
  return reply;
}

// A plain TCP client for what curl will not send.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawClient() { close(fd_); }
  bool connected() const { return connected_; }
  void send_all(const std::string& data) {
    for (std::size_t sent = 0; sent < data.size();) {
      const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;  // the server may close early (431, 413): reading tells
      sent += static_cast<std::size_t>(n);
    }
  }
  // Reads until `done(received)`, end of stream or `limit`; returns all received.
  std::string read_until(const std::function<bool(const std::string&)>& done,
                         Clock::duration limit) {
    const auto deadline = Clock::now() + limit;
    while (!eof_ && !done(received_) && Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      char chunk[4096];
      const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) eof_ = true;  // closed or reset
      if (n > 0) received_.append(chunk, static_cast<std::size_t>(n));
    }
    return received_;
  }
  std::string read_until_closed(Clock::duration limit) {
    return read_until([](const std::string&) { return false; }, limit);
  }
  // Reads until `count` complete responses (headers and Content-Length body).
  std::string read_responses(int count) {
    return read_until([count](const std::string& data) { return complete(data) >= count; }, 5s);
  }
  bool eof() const { return eof_; }

 private:
  static int complete(const std::string& data) {
    int responses = 0;
    for (std::size_t at = 0;; ++responses) {
      const auto end = data.find("\r\n\r\n", at);
      const auto length = data.find("Content-Length: ", at);
      if (end == std::string::npos || length == std::string::npos) return responses;
      at = end + 4 + std::stoul(data.substr(length + 16));
      if (at > data.size()) return responses;
    }
  }
  int fd_;
  bool connected_ = false;
  bool eof_ = false;
  std::string received_;
};

const std::string kGet = "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n";

// ---------------------------------------------------------------- encoding

TEST(ChooseEncoding, AcceptEncodingTable_H8) {
  const std::optional<std::string> kNone;
  const std::vector<std::pair<std::string, std::optional<std::string>>> table = {
      {"", ""},
      {"gzip", "gzip"},
      {"deflate", "deflate"},
      {"gzip, deflate", "gzip"},
      {"deflate, gzip", "gzip"},  // q ties: gzip preferred
      {"GZip", "gzip"},
      {"x-gzip", "gzip"},
      {"gzip;q=0", ""},
      {"gzip;q=0.0", ""},
      {"gzip;Q=0", ""},
      {"gzip;q=0.5, deflate", "deflate"},
      {"gzip;q=0.2, deflate;q=0.9", "deflate"},
      {"gzip ; q=0.8 , deflate;q=0.7", "gzip"},
      {"gzip;q=0.001", "gzip"},      // identity not named: last resort only
      {"gzip;q=0.5, identity", ""},  // identity named with q=1 wins
      {"gzip;q=0.5, identity;q=0.5", "gzip"},
      {"identity", ""},
      {"identity;q=0", kNone},
      {"identity;q=0, deflate", "deflate"},
      {"*", "gzip"},
      {"*;q=0", kNone},
      {"*;q=0, identity", ""},
      {"*;q=0, deflate;q=0.3", "deflate"},
      {"deflate;q=0.9, *;q=0.5", "deflate"},
      {"br", ""},
      {"br, compress", ""},
      {"br, identity;q=0", kNone},
      {"gzip;q=1.5", ""},     // malformed q: element ignored
      {"gzip;q=0.0001", ""},  // more than three decimals
      {"gzip;q=", ""},
      {"gzip;level=9;q=0", ""},
      {" , ,gzip,", "gzip"},
  };
  for (const auto& [header, expected] : table) {
    EXPECT_EQ(choose_encoding(header), expected) << "Accept-Encoding: " << header;
  }
}

TEST(Compress, GzipAndDeflateRoundTrip_H8) {
  for (const std::string& data : {std::string(), std::string("x"), big_body()}) {
    EXPECT_EQ(inflate_all(gzip_compress(data), 15 + 16), data);
    EXPECT_EQ(inflate_all(deflate_compress(data), 15), data);  // zlib format, not raw deflate
    EXPECT_EQ(compress(data, ""), data);
  }
  EXPECT_LT(gzip_compress(big_body()).size(), big_body().size() / 4);
  EXPECT_THROW(compress("x", "br"), std::invalid_argument);
}

// ---------------------------------------------------------------- requests

TEST(HttpServer, GetReachesHandlerWithRawQuery_H1) {
  TestServer server;
  const Reply reply = fetch(server.url("/oai?verb=ListRecords&set=a%3Ab&x=%2B"));
  ASSERT_EQ(reply.code, CURLE_OK);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(
      reply.body,
      "method=GET\npath=/oai\nquery=verb=ListRecords&set=a%3Ab&x=%2B\nbody=\ncontent_type=\n");
  EXPECT_EQ(reply.headers.at("content-type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(reply.headers.at("content-length"), std::to_string(reply.body.size()));
}

TEST(HttpServer, PostReachesHandlerWithBody_H2) {
  TestServer server;
  const Reply reply = fetch(server.url("/oai"), {"", "verb=Identify&a=%26", {}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body,
            "method=POST\npath=/oai\nquery=\nbody=verb=Identify&a=%26\n"
            "content_type=application/x-www-form-urlencoded\n");
}

TEST(HttpServer, PostBodyNearTheLimitArrivesWhole) {
  TestServer server;
  const std::string body(std::size_t{60} * 1024, 'b');  // curl sends Expect: 100-continue for this
  const Reply reply = fetch(server.url("/oai"), {"", body, {}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.body.find("body=" + body + "\n"), std::string::npos);
}

TEST(HttpServer, ChunkedAndPipelinedRequests) {
  TestServer server;
  RawClient client(server.port());
  client.send_all(
      "POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
      "GET /b?q HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const std::string data = client.read_until_closed(5s);
  const auto first = data.find("body=hello");
  const auto second = data.find("path=/b\nquery=q");
  EXPECT_NE(first, std::string::npos) << data;
  EXPECT_NE(second, std::string::npos) << data;
  EXPECT_LT(first, second);
  EXPECT_TRUE(client.eof());
}

TEST(HttpServer, KeepAliveReusesTheConnection) {
  TestServer server;
  CURL* curl = curl_easy_init();
  const Reply first = perform(curl, server.url("/echo"));
  const Reply second = perform(curl, server.url("/echo?again"));
  curl_easy_cleanup(curl);
  EXPECT_EQ(first.new_connections, 1);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.new_connections, 0);
  EXPECT_FALSE(second.has("connection"));
}

TEST(HttpServer, HeadSendsTheHeadersOfGet) {
  TestServer server;
  const Reply get = fetch(server.url("/big"), {"", "", {"Accept-Encoding: gzip"}});
  const Reply head = fetch(server.url("/big"), {"HEAD", "", {"Accept-Encoding: gzip"}});
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.headers.at("content-length"), get.headers.at("content-length"));
  EXPECT_EQ(head.headers.at("content-encoding"), "gzip");
}

TEST(HttpServer, OtherMethodsGet405WithAllow) {
  TestServer server;
  for (const char* method : {"PUT", "DELETE", "OPTIONS"}) {
    const Reply reply = fetch(server.url("/oai"), {method, "", {}});
    EXPECT_EQ(reply.status, 405) << method;
    EXPECT_EQ(reply.headers.at("allow"), "GET, POST, HEAD");
  }
}

TEST(HttpServer, HandlerExceptionGives500) {
  TestServer server;
  EXPECT_EQ(fetch(server.url("/throw")).status, 500);
  EXPECT_EQ(fetch(server.url("/echo")).status, 200);
  EXPECT_NE(server.log_lines(2)[0].find(" handler failed: boom 500 "), std::string::npos);
}

// ---------------------------------------------------------------- limits

TEST(HttpServer, OversizedHeaderGets431) {
  TestServer server;
  RawClient client(server.port());
  client.send_all("GET /echo HTTP/1.1\r\nHost: t\r\nX-Big: " +
                  std::string(std::size_t{16} * 1024, 'a') + "\r\n\r\n");
  const std::string data = client.read_until_closed(5s);
  EXPECT_EQ(data.rfind("HTTP/1.1 431 ", 0), 0u) << data.substr(0, 80);
  EXPECT_NE(data.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(client.eof());
}

TEST(HttpServer, OversizedBodyGets413) {
  TestServer server;
  const Reply reply =
      fetch(server.url("/oai"), {"", std::string(std::size_t{100} * 1024, 'b'), {}});
  EXPECT_EQ(reply.status, 413);

  // A client that sends the whole body without waiting still reads the 413.
  RawClient client(server.port());
  client.send_all("POST /oai HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" +
                  std::string(100000, 'b'));
  const std::string data = client.read_until_closed(5s);
  EXPECT_EQ(data.rfind("HTTP/1.1 413 ", 0), 0u) << data.substr(0, 80);
}

TEST(HttpServer, MalformedRequestGets400) {
  TestServer server;
  RawClient client(server.port());
  client.send_all("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(client.read_until_closed(5s).rfind("HTTP/1.1 400 ", 0), 0u);
}

TEST(HttpServer, IncompleteRequestGets408) {
  ServerLimits limits = test_limits();
  limits.request_timeout = 1s;
  TestServer server(limits);
  RawClient client(server.port());
  const auto start = Clock::now();
  client.send_all("GET /echo HTTP/1.1\r\nHost: t\r\n");  // never finished
  const std::string data = client.read_until_closed(4s);
  EXPECT_EQ(data.rfind("HTTP/1.1 408 ", 0), 0u) << data;
  EXPECT_TRUE(client.eof());
  EXPECT_GE(Clock::now() - start, 900ms);
}

TEST(HttpServer, IdleKeepAliveConnectionIsClosed) {
  ServerLimits limits = test_limits();
  limits.idle_timeout = 1s;
  TestServer server(limits);
  RawClient client(server.port());
  client.send_all(kGet);
  EXPECT_NE(client.read_responses(1).find(" 200 OK"), std::string::npos);
  const auto answered = Clock::now();
  client.read_until_closed(4s);
  EXPECT_TRUE(client.eof());
  EXPECT_GE(Clock::now() - answered, 900ms);
}

TEST(HttpServer, ConnectionsBeyondTheLimitAreClosed) {
  ServerLimits limits = test_limits();
  limits.max_connections = 1;
  TestServer server(limits);
  RawClient first(server.port());
  first.send_all(kGet);
  first.read_responses(1);  // now surely admitted, and kept alive
  RawClient second(server.port());
  EXPECT_EQ(second.read_until_closed(3s), "");
  EXPECT_TRUE(second.eof());
  first.send_all(kGet);  // the admitted connection still works
  EXPECT_NE(first.read_responses(2).find("HTTP/1.1 200", 1), std::string::npos);
}

// With one request allowed in flight and the handler holding it, a second
// request is answered 503 with Retry-After, never reaching the handler; the
// slot is free again once the first one is answered.
void expect_busy_gets_503(ServerLimits limits) {
  limits.max_in_flight = 1;
  limits.retry_after_seconds = 7;
  SlowGate gate;
  TestServer server(limits, echo_handler(&gate));
  auto slow = std::async(std::launch::async, [&] { return fetch(server.url("/slow")); });
  ASSERT_TRUE(wait_until([&] { return gate.entered > 0; }, 3s));
  const Reply busy = fetch(server.url("/slow"));
  gate.released = true;
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.headers.at("retry-after"), "7");
  EXPECT_FALSE(busy.body.empty());
  EXPECT_EQ(slow.get().status, 200);
  EXPECT_EQ(gate.entered, 1);                         // the handler never saw the 503 request
  EXPECT_EQ(fetch(server.url("/echo")).status, 200);  // the slot is free again
}

TEST(HttpServer, BusyGets503WithRetryAfter_H7) { expect_busy_gets_503(test_limits()); }

// Without handler threads (what serve uses) each io thread calls the handler
// itself; connections are given to the io threads in turn, so the second
// connection is served by the thread the first one's handler does not hold.
ServerLimits inline_limits() {
  ServerLimits limits = test_limits();
  limits.handler_threads = 0;
  return limits;
}

TEST(HttpServer, WithoutHandlerThreadsBusyGets503WithRetryAfter_H7) {
  expect_busy_gets_503(inline_limits());
}

TEST(HttpServer, WithoutHandlerThreadsCompressesWithGzip_H8) {
  TestServer server(inline_limits(), echo_handler());
  const Reply gzip = fetch(server.url("/big"), {"", "", {"Accept-Encoding: gzip"}});
  EXPECT_EQ(gzip.headers.at("content-encoding"), "gzip");
  EXPECT_EQ(inflate_all(gzip.body, 15 + 16), big_body());
}

TEST(HttpServer, WithoutHandlerThreadsStopLetsTheRequestInFlightFinish) {
  SlowGate gate;
  TestServer server(inline_limits(), echo_handler(&gate));
  auto slow = std::async(std::launch::async, [&] { return fetch(server.url("/slow")); });
  ASSERT_TRUE(wait_until([&] { return gate.entered > 0; }, 3s));
  RawClient idle(server.port());  // served by the other io thread
  idle.send_all(kGet);
  idle.read_responses(1);
  server.server().stop();
  idle.read_until_closed(2s);
  EXPECT_TRUE(idle.eof());
  EXPECT_FALSE(server.run_returned_within(100ms));
  gate.released = true;
  const Reply reply = slow.get();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.headers.at("connection"), "close");
  EXPECT_TRUE(server.run_returned_within(2s));
}

// ---------------------------------------------------------------- compression

TEST(HttpServer, GzipWhenAccepted_H8) {
  TestServer server;
  const Reply reply = fetch(server.url("/big"), {"", "", {"Accept-Encoding: gzip"}});
  EXPECT_EQ(reply.headers.at("content-encoding"), "gzip");
  EXPECT_EQ(reply.headers.at("vary"), "Accept-Encoding");
  EXPECT_EQ(reply.headers.at("content-length"), std::to_string(reply.body.size()));
  EXPECT_LT(reply.body.size(), big_body().size());
  EXPECT_EQ(inflate_all(reply.body, 15 + 16), big_body());
}

TEST(HttpServer, DeflateWhenOnlyDeflate_H8) {
  TestServer server;
  const Reply reply = fetch(server.url("/big"), {"", "", {"Accept-Encoding: deflate"}});
  EXPECT_EQ(reply.headers.at("content-encoding"), "deflate");
  EXPECT_EQ(inflate_all(reply.body, 15), big_body());
}

TEST(HttpServer, QValuesChooseTheEncoding_H8) {
  TestServer server;
  const Reply reply =
      fetch(server.url("/big"), {"", "", {"Accept-Encoding: gzip;q=0.2, deflate;q=0.9"}});
  EXPECT_EQ(reply.headers.at("content-encoding"), "deflate");
}

TEST(HttpServer, IdentityUnlessCompressionAccepted_H8) {
  TestServer server;
  for (const std::string accept :
       {"", "Accept-Encoding: gzip;q=0", "Accept-Encoding: br", "Accept-Encoding: identity;q=0"}) {
    const Reply reply = fetch(server.url("/big"), {"", "", {accept}});
    EXPECT_EQ(reply.status, 200) << accept;
    EXPECT_FALSE(reply.has("content-encoding")) << accept;
    EXPECT_EQ(reply.headers.at("vary"), "Accept-Encoding");
    EXPECT_EQ(reply.body, big_body()) << accept;
  }
}

TEST(HttpServer, SmallBodiesAreNotCompressed_H8) {
  TestServer server;
  const Reply reply = fetch(server.url("/echo"), {"", "", {"Accept-Encoding: gzip"}});
  EXPECT_FALSE(reply.has("content-encoding"));
  EXPECT_EQ(reply.headers.at("vary"), "Accept-Encoding");
}

// ---------------------------------------------------------------- log, bind, stop

TEST(HttpServer, OneAccessLogLinePerRequest) {
  TestServer server;
  const Reply plain = fetch(server.url("/echo?verb=Identify"));
  const Reply gzip = fetch(server.url("/big"), {"", "", {"Accept-Encoding: gzip"}});
  fetch(server.url("/x"), {"PUT", "", {}});
  const auto lines = server.log_lines(3);
  ASSERT_EQ(lines.size(), 3u);
  const std::regex line(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.1:\d+ (\S+) (\S+) (\S+) (\d+) (\d+) \d+\.\dms)");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(lines[0], m, line)) << lines[0];
  EXPECT_EQ(m[1].str() + m[2].str() + m[3].str() + m[4].str(), "GET/echoecho200");
  EXPECT_EQ(m[5].str(), std::to_string(plain.body.size()));
  ASSERT_TRUE(std::regex_match(lines[1], m, line)) << lines[1];
  EXPECT_EQ(m[5].str(), std::to_string(gzip.body.size()));  // bytes after compression
  ASSERT_TRUE(std::regex_match(lines[2], m, line)) << lines[2];
  EXPECT_EQ(m[1].str() + m[2].str() + m[3].str() + m[4].str(), "PUT/x-405");
}

TEST(HttpServer, BindingAPortInUseThrows) {
  TestServer server;
  try {
    HttpServer second("127.0.0.1", server.port(), test_limits(), echo_handler(), nullptr);
    FAIL() << "bound a port in use";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot listen on 127.0.0.1:" + std::to_string(server.port()) +
                                         ": Address already in use");
  }
  EXPECT_THROW(HttpServer("no-such-address", 0, test_limits(), echo_handler(), nullptr),
               std::runtime_error);
}

TEST(HttpServer, StopLetsTheRequestInFlightFinish) {
  SlowGate gate;
  TestServer server(test_limits(), echo_handler(&gate));
  RawClient idle(server.port());
  idle.send_all(kGet);
  idle.read_responses(1);  // a keep-alive connection now waiting for its next request
  auto slow = std::async(std::launch::async, [&] { return fetch(server.url("/slow")); });
  ASSERT_TRUE(wait_until([&] { return gate.entered > 0; }, 3s));
  server.server().stop();
  idle.read_until_closed(2s);
  EXPECT_TRUE(idle.eof());                          // closed at once, not after idle_timeout
  EXPECT_FALSE(server.run_returned_within(100ms));  // the slow request is still in flight
  gate.released = true;
  const Reply reply = slow.get();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.headers.at("connection"), "close");
  // Everything has ended: run() returns before stop_grace (3 s) is over.
  EXPECT_TRUE(server.run_returned_within(2s));
  EXPECT_FALSE(RawClient(server.port()).connected());
}

TEST(HttpServer, StopClosesWhatOutlivesTheGracePeriod) {
  ServerLimits limits = test_limits();
  limits.stop_grace = 1s;
  SlowGate gate;
  TestServer server(limits, echo_handler(&gate));
  auto slow = std::async(std::launch::async, [&] { return fetch(server.url("/slow")); });
  ASSERT_TRUE(wait_until([&] { return gate.entered > 0; }, 3s));
  const auto stopped = Clock::now();
  server.server().stop();
  const Reply reply = slow.get();  // the handler is still blocked: the socket was closed
  EXPECT_NE(reply.code, CURLE_OK);
  EXPECT_GE(Clock::now() - stopped, 900ms);
  EXPECT_LT(Clock::now() - stopped, 3s);
  gate.released = true;  // run() returns once the handler does
  EXPECT_TRUE(server.run_returned_within(2s));
}

TEST(HttpServer, SigtermStopsRunWhenHandlingSignals) {
  TestServer server(test_limits(), echo_handler(), /*handle_signals=*/true);
  ASSERT_EQ(fetch(server.url("/echo")).status, 200);  // run() has installed its signal_set
  std::raise(SIGTERM);
  EXPECT_TRUE(server.run_returned_within(3s));
}

}  // namespace
}  // namespace provider
