#include "provider/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <vector>

#include "provider/compression.h"
#include "provider/connection_table.h"
#include "provider/http_framing.h"
#include "provider/provider_error.h"

namespace provider {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;
using RequestParser = http::request_parser<http::string_body>;
using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;

// Errors come back as values, never as exceptions: a thrown exception costs
// microseconds of unwinding, and a timed-out or closed connection is normal.
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

constexpr std::size_t kMinCompressedBodyBytes = 256;  // smaller bodies gain nothing
// How long, and how much, to read from a client after the last response
// before closing (see linger_close).
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerMaxBytes = 1 << 20;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// How often a loop looks for connections past their deadline: timeouts fire
// up to this much late. One timer a loop instead of one per operation.
constexpr auto kSweepInterval = std::chrono::milliseconds(100);
constexpr auto kNoDeadline = Clock::time_point::max();
// Room in a connection's read buffer beyond max_header_bytes.
constexpr std::size_t kMaxBufferedBodyBytes = 128 * 1024;
// The first read of a request.
constexpr std::size_t kFirstReadBytes = 4096;

// One accepted connection. It belongs to one loop (one io_context run by one
// thread): everything that touches it runs on that thread, so it needs no
// strand and no lock.
// Its place in the server's ConnectionTable is the table's business.
struct Connection : ConnectionTable::Entry, std::enable_shared_from_this<Connection> {
  explicit Connection(Tcp::socket s) : socket(std::move(s)) {}
  Tcp::socket socket;
  std::string client;                // "address:port" of the peer
  bool waiting_for_request = false;  // idle between requests: stop() may close it
  // When the operation in progress must end; the loop's sweep cancels it
  // then and sets timed_out. kNoDeadline while the handler runs.
  Clock::time_point deadline = kNoDeadline;
  bool timed_out = false;
};

// Closes `connection` on its own loop's thread.
void close_on_its_loop(Connection& connection) {
  asio::post(connection.socket.get_executor(), [connection = connection.shared_from_this()] {
    ErrorCode ignored;
    connection->socket.close(ignored);
  });
}

// One io thread: its own io_context (and so its own epoll set), the
// connections it serves, and the timer that enforces their deadlines.
struct Loop {
  Loop() : guard(std::in_place, io.get_executor()), sweeper(io) {}
  // Declared first, destroyed last: sessions still suspended in `io` when it
  // is destroyed remove themselves from it.
  std::unordered_set<Connection*> connections;  // served here now
  asio::io_context io{1};                       // run by exactly one thread
  std::optional<WorkGuard> guard;               // keeps run() going until stop()
  asio::steady_timer sweeper;                   // armed while `connections` is not empty
  bool sweeping = false;                        // sweeper armed
};

enum class ReadResult {
  kRequest,
  kClosed,
  kTimeout,
  kRequestLineTooLong,
  kHeaderTooLarge,
  kBodyTooLarge,
  kMalformed
};

ReadResult classify(const ErrorCode& ec) {
  if (ec == http::error::header_limit) return ReadResult::kHeaderTooLarge;
  // The buffer's own limit: a chunk header that never ends, say.
  if (ec == http::error::body_limit || ec == http::error::buffer_overflow) {
    return ReadResult::kBodyTooLarge;
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return ReadResult::kClosed;
  }
  if (ec.category() == make_error_code(http::error::bad_method).category()) {
    return ReadResult::kMalformed;
  }
  return ReadResult::kClosed;  // reset, aborted by stop(), ...
}

// One request and its response, as far as the log needs them.
struct Exchange {
  Clock::time_point start = Clock::now();
  std::string method = "-";
  std::string path = "-";
  unsigned version = 11;
  bool head = false;      // HEAD: send the headers of GET, no body
  bool close = true;      // send `Connection: close` and close afterwards
  std::string encoding;   // content coding applied to response.body
  HttpResponse response;  // body already encoded
  // What the handler was given, once read whole (kept for the observer).
  std::optional<HttpRequest> request;
  bool overloaded = false;  // refused with 503 for max_in_flight
};

// Whether the buffer holds the end of a request line within `limit` bytes:
// a header over the limit without one has a request line (a URI) too long.
bool has_request_line(const beast::flat_buffer& buffer, std::size_t limit) {
  const auto data = buffer.data();
  const std::string_view text(static_cast<const char*>(data.data()), std::min(data.size(), limit));
  return text.find('\n') != std::string_view::npos;
}

// The content coding to apply for this request (H-8). No Accept-Encoding:
// identity. Nothing we offer acceptable: identity anyway, which serves the
// client better than a 406.
std::string encoding_for(const http::request<http::string_body>& request) {
  const auto [first, last] = request.equal_range(http::field::accept_encoding);
  if (first == last) return "";
  std::string joined;  // repeated fields mean one comma-separated list
  for (auto it = first; it != last; ++it) {
    if (it != first) joined += ", ";
    joined += it->value();
  }
  return choose_encoding(joined).value_or("");
}

ServerLimits normalized(ServerLimits limits) {
  limits.threads = std::max(limits.threads, 1);
  limits.handler_threads = std::max(limits.handler_threads, 0);
  return limits;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(const std::string& address, std::uint16_t port, ServerLimits limits, Handler handler,
       AccessLog access_log);
  std::uint16_t port() const { return port_; }
  void set_exchange_observer(ExchangeObserver observer) { observer_ = std::move(observer); }
  std::size_t in_flight() const { return in_flight_.load(); }
  void run(bool handle_signals);
  void stop() {
    asio::post(control_, [this] { begin_stop(); });
  }

 private:
  // Handler result plus the content coding applied to its body.
  struct Reply {
    HttpResponse response;
    std::string encoding;
  };

  void begin_stop();
  void close_all();
  std::shared_ptr<Connection> admit(Tcp::socket socket);
  void forget(Connection& connection);
  void sweep(Loop& loop);
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(std::shared_ptr<Connection> connection, Loop& loop);
  asio::awaitable<bool> wait_for_request(Connection& connection, beast::flat_buffer& buffer,
                                         Clock::time_point deadline);
  asio::awaitable<ReadResult> read_request(Connection& connection, beast::flat_buffer& buffer,
                                           RequestParser& parser, Clock::time_point deadline);
  asio::awaitable<void> answer(ReadResult result, RequestParser& parser,
                               const Connection& connection, Exchange& exchange);
  asio::awaitable<void> call_handler(const HttpRequest& request, Exchange& exchange);
  Reply produce(const HttpRequest& request, const std::string& encoding) const;
  asio::awaitable<std::optional<std::size_t>> write_response(Connection& connection,
                                                             Exchange& exchange);
  asio::awaitable<void> linger_close(Connection& connection);
  void log(const Connection& connection, const Exchange& exchange,
           std::optional<std::size_t> body_bytes_sent) const;
  void observe(const Exchange& exchange, std::optional<std::size_t> body_bytes_sent) const;

  const ServerLimits limits_;
  const Handler handler_;
  const AccessLog access_log_;
  ExchangeObserver observer_;  // set before run(), then only read
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> in_flight_{0};  // requests queued for or in the handler
  // Runs handler_ (and compression) when handler_threads > 0; otherwise
  // unused, and the handler runs on the loop that read the request.
  std::optional<asio::thread_pool> handler_pool_;
  std::vector<std::unique_ptr<Loop>> loops_;  // limits_.threads of them
  ConnectionTable table_;                     // every open connection, with admission and eviction

  std::size_t next_loop_ = 0;  // round-robin; only accept_loop() touches it
  asio::io_context control_;   // acceptor, signals, grace timer: run() runs it
  Tcp::acceptor acceptor_;
  asio::steady_timer grace_timer_;  // stop(): when to close what is still open
  std::optional<asio::signal_set> signals_;
};

HttpServer::Impl::Impl(const std::string& address, std::uint16_t port, ServerLimits limits,
                       Handler handler, AccessLog access_log)
    : limits_(normalized(limits)),
      handler_(std::move(handler)),
      access_log_(std::move(access_log)),
      table_(limits_.max_connections, limits_.evict_idle_at_limit),
      control_(1),
      acceptor_(control_),
      grace_timer_(control_) {
  if (limits_.handler_threads > 0) {
    handler_pool_.emplace(static_cast<std::size_t>(limits_.handler_threads));
  }
  for (int i = 0; i < limits_.threads; ++i) loops_.push_back(std::make_unique<Loop>());
  const bool v6 = address.find(':') != std::string::npos;
  const std::string where = (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
  ErrorCode ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) throw ProviderError("cannot listen on " + where + ": not an IP address");
  const Tcp::endpoint endpoint(ip, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw ProviderError("cannot listen on " + where + ": " + ec.message());
  port_ = acceptor_.local_endpoint().port();
}

void HttpServer::Impl::run(bool handle_signals) {
  if (handle_signals) {
    signals_.emplace(control_, SIGINT, SIGTERM);
    signals_->async_wait([this](const ErrorCode& ec, int) {
      if (!ec) begin_stop();
    });
  }
  asio::co_spawn(control_, accept_loop(), asio::detached);
  std::vector<std::thread> io_threads;
  for (auto& loop : loops_) io_threads.emplace_back([&loop] { loop->io.run(); });
  control_.run();  // returns once stopped and the grace period is over or moot
  for (auto& thread : io_threads) thread.join();  // each once its connections have ended
  if (handler_pool_) handler_pool_->join();
}

// On control_. Order matters: stopping_ is set and the table stops
// admitting before the connections are listed, so a connection admitted
// earlier is listed and one going idle later sees stopping_ (see
// wait_for_request()).
void HttpServer::Impl::begin_stop() {
  if (stopping_.exchange(true)) return;
  ErrorCode ignored;
  acceptor_.close(ignored);
  if (signals_) signals_->cancel(ignored);
  table_.stop_admitting();
  std::vector<std::shared_ptr<Connection>> open;
  table_.for_each([&open](ConnectionTable::Entry& entry) {
    open.push_back(static_cast<Connection&>(entry).shared_from_this());
  });
  for (const auto& connection : open) {
    asio::post(connection->socket.get_executor(), [connection] {
      ErrorCode ec;
      if (connection->waiting_for_request) connection->socket.close(ec);
    });
  }
  // A loop's run() now returns once its last connection has ended.
  for (auto& loop : loops_) {
    asio::post(loop->io, [&loop = *loop] { loop.guard.reset(); });
  }
  if (open.empty()) return;
  grace_timer_.expires_after(limits_.stop_grace);
  grace_timer_.async_wait([this](const ErrorCode& ec) {
    if (!ec) close_all();
  });
}

// The grace period is over: close every connection, busy or not. A session
// waiting for its handler ends when the handler returns.
void HttpServer::Impl::close_all() {
  table_.for_each(
      [](ConnectionTable::Entry& entry) { close_on_its_loop(static_cast<Connection&>(entry)); });
}

std::shared_ptr<Connection> HttpServer::Impl::admit(Tcp::socket socket) {
  ErrorCode ec;
  const auto peer = socket.remote_endpoint(ec);
  auto connection = std::make_shared<Connection>(std::move(socket));
  if (!ec) {
    const auto ip = peer.address();
    connection->client = (ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string()) + ":" +
                         std::to_string(peer.port());
  }
  const bool admitted = !ec && table_.admit(*connection, [](ConnectionTable::Entry& victim) {
    close_on_its_loop(static_cast<Connection&>(victim));
  });
  if (!admitted) {
    connection->socket.close(ec);  // over the limit: close at once, no response
    return nullptr;
  }
  return connection;
}

void HttpServer::Impl::forget(Connection& connection) {
  // The last connection is gone: no need to wait out the grace period.
  if (table_.forget(connection) == 0 && stopping_) {
    asio::post(control_, [this] { grace_timer_.cancel(); });
  }
}

// On the loop's thread, every kSweepInterval while it serves connections:
// cancels the operation of each connection past its deadline.
void HttpServer::Impl::sweep(Loop& loop) {
  if (loop.connections.empty()) {
    loop.sweeping = false;
    return;
  }
  const auto now = Clock::now();
  for (Connection* connection : loop.connections) {
    if (now < connection->deadline) continue;
    connection->timed_out = true;
    connection->deadline = kNoDeadline;
    ErrorCode ignored;
    connection->socket.cancel(ignored);
  }
  loop.sweeper.expires_after(kSweepInterval);
  loop.sweeper.async_wait([this, &loop](const ErrorCode&) { sweep(loop); });
}

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  while (acceptor_.is_open()) {
    Loop& loop = *loops_[next_loop_];
    next_loop_ = (next_loop_ + 1) % loops_.size();
    auto [ec, socket] = co_await acceptor_.async_accept(loop.io, kNoThrow);
    if (!acceptor_.is_open()) co_return;  // closed by stop()
    if (ec) {
      // Out of descriptors or memory: back off instead of spinning on the error.
      asio::steady_timer pause(control_, std::chrono::milliseconds(100));
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    ErrorCode ignored;
    socket.set_option(Tcp::no_delay(true), ignored);
    socket.non_blocking(true, ignored);  // see wait_for_request
    if (auto connection = admit(Tcp::socket(std::move(socket)))) {
      asio::co_spawn(loop.io, serve(std::move(connection), loop), asio::detached);
    }
  }
}

asio::awaitable<void> HttpServer::Impl::serve(std::shared_ptr<Connection> connection, Loop& loop) {
  struct ForgetOnExit {
    Impl* server;
    Loop& loop;
    std::shared_ptr<Connection> connection;
    ~ForgetOnExit() {
      loop.connections.erase(connection.get());
      try {
        server->forget(*connection);
      } catch (...) {
        // Only allocation can fail in there; stop() then waits out stop_grace.
      }
    }
  } forget_on_exit{this, loop, connection};
  loop.connections.insert(connection.get());
  if (!loop.sweeping) {
    loop.sweeping = true;
    loop.sweeper.expires_after(kSweepInterval);
    loop.sweeper.async_wait([this, &loop](const ErrorCode&) { sweep(loop); });
  }
  // Bounded: a whole header, then the body passes through in reads of up to
  // 64 KiB (Beast's read size). Only a chunk header that never ends fills it.
  beast::flat_buffer buffer(limits_.max_header_bytes + kMaxBufferedBodyBytes);
  // A new connection owes its first request within request_timeout of the
  // accept; later requests get idle_timeout to start and request_timeout
  // from their first byte.
  Clock::time_point deadline = Clock::now() + limits_.request_timeout;
  for (bool first = true;; first = false) {
    if (!table_.mark_idle(*connection)) break;
    const auto wait_until = first ? deadline : Clock::now() + limits_.idle_timeout;
    if (buffer.size() == 0 && !co_await wait_for_request(*connection, buffer, wait_until)) break;
    Exchange exchange;
    if (!first) deadline = exchange.start + limits_.request_timeout;
    RequestParser parser;
    const ReadResult result = co_await read_request(*connection, buffer, parser, deadline);
    if (result == ReadResult::kClosed) break;
    co_await answer(result, parser, *connection, exchange);
    if (stopping_) exchange.close = true;  // stop() came while the handler ran
    const auto sent = co_await write_response(*connection, exchange);
    log(*connection, exchange, sent);
    observe(exchange, sent);
    if (!sent) break;
    if (exchange.close) {
      co_await linger_close(*connection);
      break;
    }
  }
}

// Waits for the first bytes of a request; false when the connection should
// end instead (peer closed, deadline, stop()).
asio::awaitable<bool> HttpServer::Impl::wait_for_request(Connection& connection,
                                                         beast::flat_buffer& buffer,
                                                         Clock::time_point deadline) {
  connection.waiting_for_request = true;
  if (stopping_) co_return false;
  connection.deadline = deadline;
  // The socket is non-blocking: read what is there, else wait without a
  // buffer, so that 10,000 idle connections do not pin 4 KiB each.
  ErrorCode ec;
  std::size_t n = 0;
  for (;;) {
    n = connection.socket.read_some(buffer.prepare(kFirstReadBytes), ec);
    if (ec != asio::error::would_block && ec != asio::error::try_again) break;
    buffer.shrink_to_fit();
    auto [wait_ec] = co_await connection.socket.async_wait(Tcp::socket::wait_read, kNoThrow);
    if (wait_ec) {
      ec = wait_ec;
      break;
    }
  }
  connection.deadline = kNoDeadline;
  connection.waiting_for_request = false;
  if (ec) co_return false;
  buffer.commit(n);
  co_return true;
}

asio::awaitable<ReadResult> HttpServer::Impl::read_request(Connection& connection,
                                                           beast::flat_buffer& buffer,
                                                           RequestParser& parser,
                                                           Clock::time_point deadline) {
  parser.header_limit(
      static_cast<std::uint32_t>(std::min<std::size_t>(limits_.max_header_bytes, UINT32_MAX)));
  parser.body_limit(limits_.max_body_bytes);
  connection.timed_out = false;
  connection.deadline = deadline;
  struct ClearDeadline {
    Connection& connection;
    ~ClearDeadline() { connection.deadline = kNoDeadline; }
  } clear{connection};
  auto [header_ec, header_bytes] =
      co_await http::async_read_header(connection.socket, buffer, parser, kNoThrow);
  if (!table_.mark_busy(connection)) co_return ReadResult::kClosed;  // evicted meanwhile
  // The parser consumes the request line once it has it whole; until then
  // the buffer still starts with it.
  if (header_ec == http::error::header_limit && parser.get().target().empty() &&
      !has_request_line(buffer, limits_.max_header_bytes)) {
    co_return ReadResult::kRequestLineTooLong;
  }
  if (header_ec) co_return connection.timed_out ? ReadResult::kTimeout : classify(header_ec);
  const auto& request = parser.get();
  // A coding other than chunked alone leaves the body's length unknown (or
  // needs a decoder we lack): RFC 9112 6.3 says 400 and close, which also
  // keeps a proxy in front of us and this server from framing it apart.
  if (request.count(http::field::transfer_encoding) > 0 &&
      !(request.count(http::field::transfer_encoding) == 1 &&
        beast::iequals(request[http::field::transfer_encoding], "chunked"))) {
    co_return ReadResult::kMalformed;
  }
  if (parser.is_done()) co_return ReadResult::kRequest;
  if (request.version() >= 11 && beast::iequals(request[http::field::expect], "100-continue")) {
    // The client waits for this before sending the body (curl does above 1 KiB).
    auto [sent_ec, sent] =
        co_await asio::async_write(connection.socket, asio::buffer(kContinue), kNoThrow);
    if (sent_ec) co_return ReadResult::kClosed;
  }
  auto [body_ec, body_bytes] =
      co_await http::async_read(connection.socket, buffer, parser, kNoThrow);
  if (body_ec) co_return connection.timed_out ? ReadResult::kTimeout : classify(body_ec);
  co_return ReadResult::kRequest;
}

asio::awaitable<void> HttpServer::Impl::answer(ReadResult result, RequestParser& parser,
                                               const Connection& connection, Exchange& exchange) {
  if (parser.is_header_done()) {
    exchange.method = std::string(parser.get().method_string());
    exchange.path = split_target(parser.get().target()).first;
    exchange.version = parser.get().version();
  }
  switch (result) {
    case ReadResult::kTimeout:
      exchange.response = text_response(408, "Request Timeout: the request took too long");
      co_return;
    case ReadResult::kRequestLineTooLong:
      exchange.response = text_response(414, "URI Too Long");
      co_return;
    case ReadResult::kHeaderTooLarge:
      exchange.response = text_response(431, "Request Header Fields Too Large");
      co_return;
    case ReadResult::kBodyTooLarge:
      exchange.response = text_response(413, "Content Too Large");
      co_return;
    case ReadResult::kMalformed:
    case ReadResult::kClosed:
      exchange.response = text_response(400, "Bad Request: malformed HTTP");
      co_return;
    case ReadResult::kRequest:
      break;
  }
  auto& request = parser.get();
  exchange.close = !request.keep_alive();
  const http::verb method = request.method();
  if (method != http::verb::get && method != http::verb::head && method != http::verb::post) {
    exchange.response = text_response(405, "Method Not Allowed: use GET or POST");
    exchange.response.headers.emplace_back("Allow", "GET, POST, HEAD");
    co_return;
  }
  exchange.head = method == http::verb::head;
  exchange.encoding = encoding_for(request);
  auto [path, query] = split_target(request.target());
  // Kept in the exchange (for the observer) and passed by reference: g++ 12
  // mishandles class-type prvalues passed by value to a coroutine (destroys
  // a bad copy).
  exchange.request = HttpRequest{exchange.head ? "GET" : exchange.method,
                                 std::move(path),
                                 std::move(query),
                                 std::move(request.body()),
                                 std::string(request[http::field::content_type]),
                                 connection.client};
  co_await call_handler(*exchange.request, exchange);
}

// Runs the handler, unless max_in_flight requests are already queued for it
// or in it (H-7: 503 with Retry-After, the handler is not called). Without a
// handler pool the request waits its turn on this loop: the requests that
// arrived with it are read (and counted) first, so a loop with more work
// than it can do refuses the excess instead of letting latency grow.
// exchange.encoding is the wanted coding on entry, the applied one on exit.
asio::awaitable<void> HttpServer::Impl::call_handler(const HttpRequest& request,
                                                     Exchange& exchange) {
  if (in_flight_.fetch_add(1) >= limits_.max_in_flight) {
    in_flight_.fetch_sub(1);
    exchange.response = text_response(503, "Service Unavailable: too many requests, retry later");
    exchange.response.headers.emplace_back("Retry-After",
                                           std::to_string(limits_.retry_after_seconds));
    exchange.response.log_detail = "busy";
    exchange.overloaded = true;
    exchange.encoding.clear();
    co_return;
  }
  struct ReleaseOnExit {
    std::atomic<std::size_t>& count;
    ~ReleaseOnExit() { count.fetch_sub(1); }
  } release{in_flight_};
  const std::string wanted = std::move(exchange.encoding);
  exchange.encoding.clear();
  try {
    Reply reply;
    if (handler_pool_) {
      reply = co_await asio::co_spawn(
          *handler_pool_,
          [this, &request, &wanted]() -> asio::awaitable<Reply> {
            co_return produce(request, wanted);
          },
          asio::use_awaitable);
    } else {
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
      reply = produce(request, wanted);
    }
    exchange.response = std::move(reply.response);
    exchange.encoding = std::move(reply.encoding);
  } catch (const std::exception& e) {
    exchange.response = text_response(500, "Internal Server Error");
    exchange.response.log_detail = std::string("handler failed: ") + e.what();
  } catch (...) {
    exchange.response = text_response(500, "Internal Server Error");
    exchange.response.log_detail = "handler failed";
  }
}

// The handler's response, compressed when asked: on a handler thread, or on
// the loop when there is no handler pool.
HttpServer::Impl::Reply HttpServer::Impl::produce(const HttpRequest& request,
                                                  const std::string& encoding) const {
  Reply reply{handler_(request), ""};
  const int status = reply.response.status;
  // 1xx, 204 and 304 cannot carry the Content-Length framing used here.
  if (status < 200 || status > 599 || status == 204 || status == 304) {
    throw std::logic_error("unsupported status " + std::to_string(status));
  }
  if (!encoding.empty() && reply.response.body.size() > kMinCompressedBodyBytes) {
    reply.response.body = compress(reply.response.body, encoding);
    reply.encoding = encoding;
  }
  return reply;
}

// Returns the number of body bytes sent, or nullopt if writing failed. The
// head and the body go out in one gather write.
asio::awaitable<std::optional<std::size_t>> HttpServer::Impl::write_response(Connection& connection,
                                                                             Exchange& exchange) {
  const std::string& body = exchange.response.body;
  // HEAD: GET's Content-Length.
  const std::string head = response_head(
      exchange.response, {exchange.version, exchange.close, exchange.encoding, body.size()});
  const std::array<asio::const_buffer, 2> buffers{
      asio::buffer(head), exchange.head ? asio::const_buffer() : asio::buffer(body)};
  connection.timed_out = false;
  connection.deadline = Clock::now() + limits_.write_timeout;
  auto [ec, written] = co_await asio::async_write(connection.socket, buffers, kNoThrow);
  connection.deadline = kNoDeadline;
  if (ec) co_return std::nullopt;
  co_return exchange.head ? 0 : body.size();
}

// Closing a socket with unread input makes the kernel send a reset, which can
// destroy the response before the client reads it (431 and 413 leave input
// unread). So: end our side, read and drop what still comes for a short
// while, then close.
asio::awaitable<void> HttpServer::Impl::linger_close(Connection& connection) {
  ErrorCode ec;
  connection.socket.shutdown(Tcp::socket::shutdown_send, ec);
  connection.timed_out = false;
  connection.deadline = Clock::now() + kLingerTime;
  std::array<char, 4096> sink;
  for (std::size_t drained = 0; !ec && drained < kLingerMaxBytes;) {
    auto [read_ec, n] = co_await connection.socket.async_read_some(asio::buffer(sink), kNoThrow);
    ec = read_ec;
    drained += n;
  }
  connection.deadline = kNoDeadline;
  connection.socket.close(ec);
}

void HttpServer::Impl::log(const Connection& connection, const Exchange& exchange,
                           std::optional<std::size_t> body_bytes_sent) const {
  if (!access_log_) return;
  const double ms =
      std::chrono::duration<double, std::milli>(Clock::now() - exchange.start).count();
  try {
    access_log_(access_log_line(utc_timestamp(), connection.client, exchange.method, exchange.path,
                                exchange.response.log_detail, exchange.response.status,
                                body_bytes_sent.value_or(0), ms));
  } catch (...) {
    // A failing log sink must not take the connection down with it.
  }
}

void HttpServer::Impl::observe(const Exchange& exchange,
                               std::optional<std::size_t> body_bytes_sent) const {
  if (!observer_) return;
  const ExchangeSummary summary{
      exchange.path,
      exchange.request ? &*exchange.request : nullptr,
      exchange.response.status,
      body_bytes_sent.value_or(0),
      std::chrono::duration<double>(Clock::now() - exchange.start).count(),
      exchange.overloaded};
  try {
    observer_(summary);
  } catch (...) {
    // Like the access log: counting must not take the connection down.
  }
}

HttpServer::HttpServer(const std::string& address, std::uint16_t port, ServerLimits limits,
                       Handler handler, AccessLog access_log)
    : impl_(std::make_unique<Impl>(address, port, limits, std::move(handler),
                                   std::move(access_log))) {}

HttpServer::~HttpServer() = default;

std::uint16_t HttpServer::port() const { return impl_->port(); }

void HttpServer::set_exchange_observer(ExchangeObserver observer) {
  impl_->set_exchange_observer(std::move(observer));
}

std::size_t HttpServer::in_flight() const { return impl_->in_flight(); }

void HttpServer::run(bool handle_signals) { impl_->run(handle_signals); }

void HttpServer::stop() { impl_->stop(); }

}  // namespace provider
