// The provider's HTTP transport: reads requests, enforces limits, compresses,
// writes responses and logs them. It knows nothing about OAI-PMH; a Handler
// turns an HttpRequest into an HttpResponse (Beast's example servers: the
// session only reads, writes and times out).
//
// Asio and Beast stay in http_server.cc: they cost ~15 s of compile time per
// file that includes them.
#ifndef PROVIDER_HTTP_SERVER_H_
#define PROVIDER_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "provider/http_message.h"

namespace provider {

// Turns one request into a response. Called on one of `handler_threads`
// worker threads, or, when that is 0, on the io thread that read the request
// (which serves nothing else meanwhile, so it should block only briefly, as
// an SQLite read does); several calls run at once, so it must be
// thread-safe. An exception gives a 500 response.
using Handler = std::function<HttpResponse(const HttpRequest&)>;

// Receives one line per request, without a trailing newline. Called from io
// threads, possibly concurrently: it must be thread-safe and quick.
using AccessLog = std::function<void(const std::string&)>;

// Called once per request after its response was written (or failed to be),
// from io threads, possibly concurrently: it must be thread-safe and quick.
using ExchangeObserver = std::function<void(const ExchangeSummary&)>;

struct ServerLimits {
  // Request line + fields; beyond: 431, or 414 when the request line alone
  // does not fit.
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;    // beyond: 413
  std::chrono::seconds request_timeout{30};  // to read one whole request; beyond: 408
  std::chrono::seconds idle_timeout{60};     // keep-alive connection waiting for a request
  std::chrono::seconds write_timeout{60};    // to write one whole response
  std::chrono::seconds stop_grace{5};        // stop(): how long requests in flight may finish
  std::size_t max_connections = 1024;        // beyond: see evict_idle_at_limit
  // At max_connections, a new connection closes the one that has waited
  // longest without a whole request header (idle keep-alive, never sent a
  // byte, or still trickling its header in), as nginx reuses its idle
  // connections: a crowd of idle or slow clients cannot lock honest ones
  // out. The evicted one is closed without a response. When false, when
  // every connection is busy with a request, or when max_connections / 2
  // evicted connections are still closing (a flood), the new connection is
  // closed at once instead.
  bool evict_idle_at_limit = false;
  std::size_t max_in_flight = 64;  // requests queued for or in the handler; beyond: 503 (H-7)
  int retry_after_seconds = 5;     // the Retry-After of that 503
  // io threads, each with its own event loop and its share of the
  // connections (given out in turn): sockets, parsing, timers.
  int threads = 4;
  // Threads for handler calls (and compression) apart from the io threads.
  // 0: each io thread calls the handler itself, which spares two thread
  // switches a request (one thread a core is then the fastest setting).
  int handler_threads = 4;
};

// An HTTP/1.1 server with keep-alive. GET, POST and HEAD go to the handler
// (HEAD as GET, body dropped); other methods get 405. Responses larger than
// 256 bytes are compressed with gzip or deflate when Accept-Encoding allows it
// (see choose_encoding); when it allows nothing we offer, identity is sent
// anyway rather than 406. Every response carries Content-Length, the
// handler's Content-Type and `Vary: Accept-Encoding`.
class HttpServer {
 public:
  // Binds `address:port` (port 0: an ephemeral port) and starts listening.
  // Throws std::runtime_error("cannot listen on ADDRESS:PORT: REASON") when
  // it cannot. Requests are served only once run() is called.
  HttpServer(const std::string& address, std::uint16_t port, ServerLimits limits, Handler handler,
             AccessLog access_log);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  // Requires that run() has returned or was never called.
  ~HttpServer();

  // The port actually bound.
  std::uint16_t port() const;

  // Installs `observer`, called for every request from then on. Call it
  // before run(), at most once.
  void set_exchange_observer(ExchangeObserver observer);

  // Requests queued for or in the handler now (the number max_in_flight
  // limits), a handler calling this included. Safe from any thread.
  std::size_t in_flight() const;

  // Serves on `limits.threads` io threads (the calling thread accepts
  // connections and hands them out) until stop(), or SIGINT/SIGTERM when
  // `handle_signals`. Then it
  // stops accepting, closes idle keep-alive connections, lets requests in
  // flight finish with `Connection: close` for up to `stop_grace`, closes
  // what is left and returns. A handler call that never returns keeps run()
  // from returning. Call run() at most once.
  void run(bool handle_signals);

  // Asks run() to stop as described there; returns at once. Safe from any
  // thread, before or during run(), and more than once; not from a POSIX
  // signal handler (use run(true) for signals).
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace provider

#endif  // PROVIDER_HTTP_SERVER_H_
