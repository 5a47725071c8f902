// Hostile clients against a real `oaipmh serve` (issue 7, item 5): oversized
// request lines, headers and bodies; malformed HTTP; crowds of idle and of
// slowloris connections; hostile argument values; forged resumption tokens.
// Each test starts its own server (so its peak RSS, VmHWM, is the attack's),
// checks the answers, that an honest client is served throughout, that the
// server's memory stays bounded, and that it still answers Identify after.
//
// The figures each attack measured are printed as lines starting "[ figures ]".
// HOSTILE_CLIENTS_LONG=1 runs the long forms (scripts/hostile-clients.sh):
// 10,000 idle connections and a slowloris crowd of 2,000 for 60 s each.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/support/fixture_server.h"
#include "tests/support/http.h"
#include "tests/support/page_chain.h"
#include "tests/support/run_command.h"
#include "tests/support/serve_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/xml_probe.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing_support::FixtureServer;
using testing_support::http_request;
using testing_support::HttpResult;
using testing_support::percent_encoded;
using testing_support::run_command;
using testing_support::ServeProcess;
using testing_support::TempDir;

const std::string kOaipmh = OAIPMH_BINARY;
const std::string kFixtures = std::string(OAIPMH_SOURCE_DIR) + "/tests/fixtures";

bool long_form() {
  const char* value = std::getenv("HOSTILE_CLIENTS_LONG");
  return value != nullptr && std::string(value) == "1";
}

// ---------------------------------------------------------------- the server's memory

// The pid of the `oaipmh serve` this process started: ServeProcess forks it
// directly, so it is our child named oaipmh.
pid_t server_pid() {
  const pid_t self = getpid();
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const auto open = line.find('(');
    const auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    const std::string comm = line.substr(open + 1, close - open - 1);
    char state = 0;
    int ppid = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid) != 2) continue;
    if (ppid == self && comm == "oaipmh") return static_cast<pid_t>(std::stoi(name));
  }
  return -1;
}

// A field of /proc/PID/status in KiB (VmRSS, VmHWM), 0 if unreadable.
long status_kib(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return 0;
}

// Descriptors the server holds open: its connections plus a few files.
long open_descriptors(pid_t pid) {
  std::error_code ec;
  long count = 0;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
       !ec && it != end; it.increment(ec)) {
    ++count;
  }
  return count;
}

// Samples the server's RSS every 50 ms from construction to finish().
class MemoryWatch {
 public:
  explicit MemoryWatch(pid_t pid) : pid_(pid), before_(status_kib(pid, "VmRSS")) {
    sampler_ = std::thread([this] {
      while (!done_) {
        peak_ = std::max(peak_.load(), status_kib(pid_, "VmRSS"));
        std::this_thread::sleep_for(50ms);
      }
    });
  }
  ~MemoryWatch() { finish(); }
  void finish() {
    done_ = true;
    if (sampler_.joinable()) sampler_.join();
    // The kernel's own high-water mark catches a peak between samples.
    peak_ = std::max(peak_.load(), status_kib(pid_, "VmHWM"));
  }
  long before() const { return before_; }
  long peak() const { return peak_; }
  long now() const { return status_kib(pid_, "VmRSS"); }

 private:
  pid_t pid_;
  long before_;
  std::atomic<long> peak_{0};
  std::atomic<bool> done_{false};
  std::thread sampler_;
};

// ---------------------------------------------------------------- raw sockets

// A socket to 127.0.0.1:port, or -1. Non-blocking once connected (or while
// connecting, when `wait` is false).
int open_socket(int port, bool wait = true) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 &&
      errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  if (wait) {
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof error;
    if (poll(&p, 1, 5000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 ||
        error != 0) {
      close(fd);
      return -1;
    }
  }
  return fd;
}

// One raw HTTP exchange: sends `request` (as much as the server takes before
// it closes) and reads until the server closes or `timeout` passes.
struct RawReply {
  std::string data;
  bool closed = false;  // the server closed (or reset) the connection
  int status() const {
    int code = 0;
    return std::sscanf(data.c_str(), "HTTP/1.%*d %d", &code) == 1 ? code : 0;
  }
};

RawReply raw_exchange(int port, const std::string& request,
                      std::chrono::milliseconds timeout = 10s) {
  RawReply reply;
  const int fd = open_socket(port);
  if (fd < 0) return reply;
  const auto deadline = Clock::now() + timeout;
  std::size_t sent = 0;
  while (Clock::now() < deadline) {
    short events = POLLIN;
    if (sent < request.size()) events |= POLLOUT;
    pollfd p{fd, events, 0};
    if (poll(&p, 1, 50) < 0) break;
    if ((p.revents & POLLOUT) != 0) {
      const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN) sent = request.size();  // reset: read what came
    }
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      char buffer[16384];
      const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n > 0) {
        reply.data.append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EAGAIN) {
        reply.closed = true;
        break;
      }
    }
  }
  close(fd);
  return reply;
}

void raise_open_files_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// Makes room for `count` more descriptors in this process (and so in the
// server it starts, which raises its own soft limit to the same hard one):
// the soft limit goes up to the hard one, and the hard one too when it is
// lower and we may (CAP_SYS_RESOURCE). False when there is still no room:
// the test then fails, saying so, rather than pass without its crowd.
bool make_room_for(int count) {
  const rlim_t needed = static_cast<rlim_t>(count) + 200;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) limit.rlim_max = needed;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  return getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
         (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed);
}

// ---------------------------------------------------------------- crowds

// A crowd of attacking connections kept at `size`: idle ones never send a
// byte; slow ones (slowloris) send a request header one byte every
// `byte_interval` that never ends. Every connection the server ends is
// counted by how it ended ("408", "closed" without a response, ...) and, if
// `reopen`, replaced.
class Crowd {
 public:
  Crowd(int port, int size, std::chrono::milliseconds byte_interval, bool reopen)
      : port_(port), size_(size), byte_interval_(byte_interval), reopen_(reopen) {
    thread_ = std::thread([this] { run(); });
  }
  ~Crowd() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int open_now() const { return open_now_; }
  int opened() const { return opened_; }
  // How many connections ended, by how: the status the server sent, or "closed".
  std::map<std::string, int> endings() const {
    std::lock_guard lock(mutex_);
    return endings_;
  }
  std::string endings_text() const {
    std::string text;
    for (const auto& [how, count] : endings()) {
      text += (text.empty() ? "" : ", ") + how + " x" + std::to_string(count);
    }
    return text.empty() ? "none" : text;
  }

 private:
  struct Attacker {
    int fd;
    std::size_t sent = 0;    // bytes of the endless header sent
    std::string received;    // the first bytes of a response
    Clock::time_point next;  // when to send the next byte
  };

  // The endless header of a slowloris connection: byte `i` of it.
  static char header_byte(std::size_t i) {
    static const std::string start = "GET /oai?verb=Identify HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    static const std::string field = "X-Slow: loris\r\n";
    return i < start.size() ? start[i] : field[(i - start.size()) % field.size()];
  }

  void end(Attacker& attacker) {
    int code = 0;
    const std::string how = std::sscanf(attacker.received.c_str(), "HTTP/1.%*d %d", &code) == 1
                                ? std::to_string(code)
                                : (attacker.received.empty() ? "closed" : "garbage");
    close(attacker.fd);
    attacker.fd = -1;
    std::lock_guard lock(mutex_);
    ++endings_[how];
  }

  void run() {
    std::vector<Attacker> attackers;
    while (!stop_) {
      // Open up to 1,000 a round, so that the crowd keeps being served meanwhile.
      for (int i = 0;
           i < 1000 && static_cast<int>(attackers.size()) < size_ && (reopen_ || opened_ < size_);
           ++i) {
        const int fd = open_socket(port_, false);
        if (fd < 0) break;
        ++opened_;
        attackers.push_back(Attacker{fd, 0, {}, Clock::now() + byte_interval_});
      }
      open_now_ = static_cast<int>(attackers.size());
      std::vector<pollfd> polled;
      polled.reserve(attackers.size());
      for (const auto& attacker : attackers) polled.push_back({attacker.fd, POLLIN, 0});
      poll(polled.data(), polled.size(), 20);
      const auto now = Clock::now();
      for (std::size_t i = 0; i < attackers.size(); ++i) {
        Attacker& attacker = attackers[i];
        if ((polled[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
          char buffer[4096];
          const ssize_t n = recv(attacker.fd, buffer, sizeof buffer, 0);
          if (n > 0 && attacker.received.size() < 64) {
            attacker.received.append(buffer, static_cast<std::size_t>(n));
          }
          if (n == 0 || (n < 0 && errno != EAGAIN)) {
            end(attacker);
            continue;
          }
        }
        if (byte_interval_.count() > 0 && now >= attacker.next) {
          const char byte = header_byte(attacker.sent);
          if (send(attacker.fd, &byte, 1, MSG_NOSIGNAL) == 1) ++attacker.sent;
          attacker.next = now + byte_interval_;
        }
      }
      std::erase_if(attackers, [](const Attacker& attacker) { return attacker.fd < 0; });
    }
    for (auto& attacker : attackers) close(attacker.fd);
    open_now_ = 0;
  }

  const int port_;
  const int size_;
  const std::chrono::milliseconds byte_interval_;  // 0: idle
  const bool reopen_;
  std::atomic<bool> stop_{false};
  std::atomic<int> open_now_{0};
  std::atomic<int> opened_{0};
  mutable std::mutex mutex_;
  std::map<std::string, int> endings_;
  std::thread thread_;
};

// An honest harvester: a new connection for each Identify, one every
// `pause`, timed, until stopped.
class HonestClient {
 public:
  HonestClient(std::string url, std::chrono::milliseconds pause) : url_(std::move(url)) {
    thread_ = std::thread([this, pause] {
      while (!stop_) {
        const auto start = Clock::now();
        const HttpResult result = http_request(url_ + "?verb=Identify");
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        {
          std::lock_guard lock(mutex_);
          latencies_.push_back(ms);
          if (result.status == 200 && result.body.find("<Identify>") != std::string::npos) {
            ++answered_;
          } else {
            failures_.push_back(result.status == 0 ? result.error : std::to_string(result.status));
          }
        }
        std::this_thread::sleep_for(pause);
      }
    });
  }
  ~HonestClient() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int requests() const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(latencies_.size());
  }
  int answered() const {
    std::lock_guard lock(mutex_);
    return answered_;
  }
  std::string failures() const {
    std::lock_guard lock(mutex_);
    std::map<std::string, int> counted;
    for (const auto& failure : failures_) ++counted[failure];
    std::string text;
    for (const auto& [failure, count] : counted)
      text += failure + " x" + std::to_string(count) + "; ";
    return text;
  }
  // "n/m answered, latency median X ms, p99 Y ms, max Z ms".
  std::string summary() const {
    std::lock_guard lock(mutex_);
    std::vector<double> sorted = latencies_;
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double q) {
      return sorted.empty()
                 ? 0.0
                 : sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(q * sorted.size()))];
    };
    char text[160];
    std::snprintf(text, sizeof text,
                  "%d/%zu answered, latency median %.1f ms, p99 %.1f ms, max %.1f ms", answered_,
                  sorted.size(), at(0.5), at(0.99), sorted.empty() ? 0.0 : sorted.back());
    return text;
  }

 private:
  const std::string url_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<double> latencies_;  // ms, every request
  int answered_ = 0;
  std::vector<std::string> failures_;
  std::thread thread_;
};

// Every honest request answered. The long forms' crowds beyond
// max_connections are also a connect flood (the attackers reconnect at once,
// some 15,000 connections a second on the same two cores): evictions then
// pend beyond max_connections / 2 at times, and a new connection, honest or
// not, is closed at once; there, 95% is what must hold.
void expect_honest_served(const HonestClient& honest, bool flood) {
  EXPECT_GT(honest.requests(), 10);
  if (flood && long_form()) {
    EXPECT_GE(honest.answered(), honest.requests() * 95 / 100) << honest.failures();
  } else {
    EXPECT_EQ(honest.answered(), honest.requests()) << honest.failures();
  }
}

// ---------------------------------------------------------------- the fixture

// The store every test serves: a chain of 20 synthetic records harvested
// with `oaipmh harvest`; each test serves it with its own [provider] limits.
class HostileClientTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    raise_open_files_limit();
    dir_ = new TempDir();
    store_ = dir_->file("store.sqlite");
    const std::string work = dir_->file("fixtures");
    std::filesystem::create_directories(work + "/chain");
    auto rules = testing_support::write_page_chain(work + "/chain", 2, 10);
    const std::string harvest = kFixtures + "/harvest/";
    for (const std::string verb : {"Identify", "ListMetadataFormats", "ListSets"}) {
      const std::string file = verb == "Identify"   ? "identify-seconds.xml"
                               : verb == "ListSets" ? "list-sets.xml"
                                                    : "list-metadata-formats.xml";
      rules.push_back({{"match", {{"verb", verb}}},
                       {"responses", {{{"body_file", harvest + file}, {"body_template", true}}}}});
    }
    for (auto& rule : rules) rule["path"] = "/chain";
    std::ofstream(work + "/scenario.json") << nlohmann::json{{"rules", rules}}.dump();
    FixtureServer upstream(work + "/scenario.json", work + "/requests.jsonl");
    std::ofstream(work + "/oaipmh.toml")
        << "store = \"" << store_
        << "\"\n[harvest]\npoliteness_delay = 0\nuse_declared_base_url = false\n"
        << "[[source]]\nname = \"chain\"\nurl = \"" << upstream.base_url("/chain") << "\"\n";
    const auto result = run_command(kOaipmh + " harvest --config " + work + "/oaipmh.toml");
    if (result.exit_status != 0)
      throw std::runtime_error("fixture harvest failed: " + result.output);
  }
  static void TearDownTestSuite() { delete dir_; }

 protected:
  // Starts a server whose [provider] table is `provider` plus small pages.
  void serve(const std::string& provider = "") {
    const std::string config = dir_->file("serve-" + std::to_string(counter_++) + ".toml");
    std::ofstream(config) << "[provider]\nrecords_per_page = 5\nidentifiers_per_page = 5\n"
                          << provider;
    server_ = std::make_unique<ServeProcess>(std::vector<std::string>{
        "--store", store_, "--config", config, "--repository-identifier", "test.example.org"});
    pid_ = server_pid();
    ASSERT_GT(pid_, 0) << "cannot find the server's pid";
  }

  void TearDown() override {
    if (server_) expect_identify_ok();
    validate_kept();
    server_.reset();
  }

  // The server still answers a normal Identify.
  void expect_identify_ok() {
    const HttpResult result = http_request(server_->base_url() + "?verb=Identify");
    EXPECT_EQ(result.status, 200) << result.error;
    EXPECT_NE(result.body.find("<Identify>"), std::string::npos);
  }

  // Keeps an OAI-PMH response to check at TearDown (oai::check_response),
  // unless one equal but for its responseDate was kept.
  void keep(const std::string& body, const std::string& what) {
    static const std::regex date("<responseDate>[^<]*</responseDate>");
    if (!kept_bodies_.insert(std::regex_replace(body, date, "")).second) return;
    kept_.emplace_back(body, what);
  }

  void validate_kept() {
    for (const auto& [body, what] : kept_) {
      EXPECT_EQ(testing_support::response_problems(body), "")
          << "the response to " << what << " is not valid";
    }
    kept_.clear();
  }

  void report(const std::string& attack, const std::string& answers, const std::string& honest,
              const MemoryWatch& memory) {
    const long after = memory.now();
    std::printf(
        "[ figures ] %s | server answered: %s | honest client: %s | RSS before %ld KiB, peak "
        "%ld KiB, after %ld KiB\n",
        attack.c_str(), answers.c_str(), honest.c_str(), memory.before(), memory.peak(), after);
    std::fflush(stdout);
  }

  static TempDir* dir_;
  static std::string store_;
  std::unique_ptr<ServeProcess> server_;
  pid_t pid_ = -1;
  int counter_ = 0;
  std::vector<std::pair<std::string, std::string>> kept_;  // body, what was asked
  std::set<std::string> kept_bodies_;                      // without responseDate
};

TempDir* HostileClientTest::dir_ = nullptr;
std::string HostileClientTest::store_;

const std::string kIdentify = "GET /oai?verb=Identify HTTP/1.1\r\nHost: 127.0.0.1\r\n";

// ---------------------------------------------------------------- oversized requests

TEST_F(HostileClientTest, OversizedRequestLineHeaderAndBodyGet414_431_413) {
  serve();
  MemoryWatch memory(pid_);
  HonestClient honest(server_->base_url(), 20ms);
  const std::string huge(std::size_t{1} << 20, 'a');
  struct Case {
    std::string what;
    std::string request;
    int status;
  };
  const std::vector<Case> cases = {
      {"request line of 10 KiB",
       "GET /oai?verb=Identify&x=" + huge.substr(0, 10240) + " HTTP/1.1\r\nHost: h\r\n\r\n", 414},
      {"request line of 1 MiB", "GET /oai?verb=Identify&x=" + huge + " HTTP/1.1\r\nHost: h\r\n\r\n",
       414},
      {"request line of 1 MiB, no end", "GET /" + huge, 414},
      {"one field of 16 KiB", kIdentify + "X-Big: " + huge.substr(0, 16384) + "\r\n\r\n", 431},
      {"2,000 small fields",
       [] {
         std::string request = kIdentify;
         for (int i = 0; i < 2000; ++i) request += "X-" + std::to_string(i) + ": v\r\n";
         return request + "\r\n";
       }(),
       431},
      {"POST body of 100 KiB",
       "POST /oai HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
       "Content-Length: 102400\r\n\r\nverb=Identify&x=" +
           huge.substr(0, 102400 - 16),
       413},
      {"Content-Length of 1 TB, no body",
       "POST /oai HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000000000\r\n\r\n", 413},
      {"chunked body of 1 MiB",
       "POST /oai HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n" + huge +
           "\r\n0\r\n\r\n",
       413},
      {"chunks of 1 KiB up to 1 MiB",
       [&] {
         std::string request =
             "POST /oai HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
         for (int i = 0; i < 1024; ++i) request += "400\r\n" + huge.substr(0, 1024) + "\r\n";
         return request + "0\r\n\r\n";
       }(),
       413},
      {"chunk extension of 1 MiB",
       "POST /oai HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;" + huge, 413},
  };
  std::string answers;
  for (const Case& c : cases) {
    const RawReply reply = raw_exchange(server_->port(), c.request);
    EXPECT_EQ(reply.status(), c.status) << c.what << ": " << reply.data.substr(0, 120);
    EXPECT_TRUE(reply.closed) << c.what << ": the connection stays open";
    EXPECT_NE(reply.data.find("Connection: close"), std::string::npos) << c.what;
    answers += c.what + " -> " + std::to_string(reply.status()) + "; ";
  }
  honest.stop();
  memory.finish();
  EXPECT_EQ(honest.answered(), honest.requests()) << honest.failures();
  EXPECT_LT(memory.peak() - memory.before(), 200 * 1024) << "KiB";
  report("oversized request line, header, body", answers, honest.summary(), memory);
}

// ---------------------------------------------------------------- malformed HTTP

TEST_F(HostileClientTest, MalformedHttpGets400AndClose) {
  serve();
  MemoryWatch memory(pid_);
  HonestClient honest(server_->base_url(), 20ms);
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 7919 + 13) % 256);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"binary junk", junk + "\r\n\r\n"},
      {"not HTTP", "HELLO THERE\r\n\r\n"},
      {"no version", "GET /oai?verb=Identify\r\n\r\n"},
      {"HTTP/9.9", "GET /oai?verb=Identify HTTP/9.9\r\nHost: h\r\n\r\n"},
      {"bare LF line ends", "GET /oai?verb=Identify HTTP/1.1\nHost: h\n\n"},
      {"NUL in the request line",
       std::string("GET /oai?verb=Ident\0ify HTTP/1.1\r\nHost: h\r\n\r\n", 46)},
      {"NUL in a field", std::string("GET /oai?verb=Identify HTTP/1.1\r\nHost: h\0x\r\n\r\n", 45)},
      {"control byte in the target", "GET /oai?verb=Identify\x01 HTTP/1.1\r\nHost: h\r\n\r\n"},
      {"space in the target", "GET /oai?verb=Iden tify HTTP/1.1\r\nHost: h\r\n\r\n"},
      {"field without a colon", kIdentify + "NoColonHere\r\n\r\n"},
      {"space before the colon", kIdentify + "X-A : b\r\n\r\n"},
      {"two Content-Lengths",
       "POST /oai HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: "
       "6\r\n\r\nverb=Identify"},
      {"Content-Length not a number",
       "POST /oai HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\nverb="},
      {"chunked and Content-Length (smuggling)",
       "POST /oai HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: "
       "chunked\r\n\r\n0\r\n\r\n"},
      {"bad chunk size",
       "POST /oai HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"},
      {"chunked not last (RFC 9112 6.3)",
       "POST /oai HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"},
      {"unknown transfer coding",
       "POST /oai HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"},
      {"two Transfer-Encodings",
       "POST /oai HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
       "chunked\r\n\r\n0\r\n\r\n"},
  };
  std::map<int, int> statuses;
  for (const auto& [what, request] : cases) {
    const auto start = Clock::now();
    const RawReply reply = raw_exchange(server_->port(), request);
    EXPECT_LT(Clock::now() - start, 3s) << what << ": answered slowly";
    EXPECT_EQ(reply.status(), 400) << what << ": " << reply.data.substr(0, 120);
    EXPECT_TRUE(reply.closed) << what << ": the connection stays open";
    ++statuses[reply.status()];
  }
  // A method we do not serve is not malformed: 405, and the connection stays.
  const RawReply options =
      raw_exchange(server_->port(), "BREW /oai HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(options.status(), 405);
  ++statuses[options.status()];
  // A header that stops halfway and a closed connection: nothing to answer.
  const RawReply cut =
      raw_exchange(server_->port(), "GET /oai?verb=Identify HTTP/1.1\r\nHo", 1500ms);
  EXPECT_EQ(cut.data, "");
  honest.stop();
  memory.finish();
  EXPECT_EQ(honest.answered(), honest.requests()) << honest.failures();
  std::string answers;
  for (const auto& [status, count] : statuses)
    answers += std::to_string(status) + " x" + std::to_string(count) + " ";
  report("malformed HTTP (" + std::to_string(cases.size() + 1) + " kinds)", answers,
         honest.summary(), memory);
}

// ---------------------------------------------------------------- crowds

// 10,000 connections that never send a byte, all admitted (max_connections
// above them): an honest client is served meanwhile, and each costs the
// server a bounded amount of memory.
TEST_F(HostileClientTest, TenThousandIdleConnectionsWithinTheLimit) {
  const int idle = 10000;
  ASSERT_TRUE(make_room_for(idle))
      << "needs an open files limit above " << idle + 200 << ": raise the hard limit (ulimit -Hn)";
  const auto hold = long_form() ? 60s : 3s;
  serve("max_connections = 12000\nrequest_timeout = 120\n");
  MemoryWatch memory(pid_);
  const long fds_before = open_descriptors(pid_);
  Crowd crowd(server_->port(), idle, 0ms, /*reopen=*/true);
  const auto deadline = Clock::now() + 30s;
  while (open_descriptors(pid_) < fds_before + idle && Clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  const long fds_held = open_descriptors(pid_) - fds_before;
  EXPECT_GE(fds_held, idle) << "the server did not hold every idle connection";
  const long rss_held = memory.now();
  HonestClient honest(server_->base_url(), 20ms);
  std::this_thread::sleep_for(hold);
  honest.stop();
  const auto endings = crowd.endings_text();
  const int still_open = crowd.open_now();
  crowd.stop();
  memory.finish();
  EXPECT_EQ(still_open, idle);
  expect_honest_served(honest, /*flood=*/false);
  const double per_connection = static_cast<double>(rss_held - memory.before()) / idle;
  // Generous (AddressSanitizer doubles it): what matters is that it is bounded.
  EXPECT_LT(memory.peak() - memory.before(), 300 * 1024) << "KiB";
  char answers[200];
  std::snprintf(answers, sizeof answers,
                "held %ld connections (%.2f KiB RSS each); ended early: %s", fds_held,
                per_connection, endings.c_str());
  report(std::to_string(idle) + " idle connections, max_connections 12000, " +
             std::to_string(hold.count()) + " s",
         answers, honest.summary(), memory);
}

// 10,000 idle connections against max_connections 1,000: each new one
// evicts the connection idle longest, so an honest client always gets in,
// and the server never holds more than its limit.
TEST_F(HostileClientTest, TenThousandIdleConnectionsBeyondTheLimitAreEvicted) {
  const int idle = 10000;
  ASSERT_TRUE(make_room_for(idle))
      << "needs an open files limit above " << idle + 200 << ": raise the hard limit (ulimit -Hn)";
  const auto hold = long_form() ? 60s : 3s;
  serve("max_connections = 1000\n");
  MemoryWatch memory(pid_);
  const long fds_before = open_descriptors(pid_);
  Crowd crowd(server_->port(), idle, 0ms, /*reopen=*/long_form());
  long fds_peak = 0;
  const auto filled = Clock::now() + 30s;
  while (crowd.opened() < idle && Clock::now() < filled) {
    fds_peak = std::max(fds_peak, open_descriptors(pid_));
    std::this_thread::sleep_for(20ms);
  }
  // The quick form's honest client comes once the server has caught up with
  // the flood (evicted the rest): the long form's comes during its floods.
  while (!long_form() && crowd.open_now() > 1000 + 16 && Clock::now() < filled) {
    fds_peak = std::max(fds_peak, open_descriptors(pid_));
    std::this_thread::sleep_for(20ms);
  }
  HonestClient honest(server_->base_url(), 20ms);
  for (const auto end = Clock::now() + hold; Clock::now() < end;) {
    fds_peak = std::max(fds_peak, open_descriptors(pid_));
    std::this_thread::sleep_for(50ms);
  }
  honest.stop();
  const std::string endings = crowd.endings_text();
  crowd.stop();
  memory.finish();
  expect_honest_served(honest, /*flood=*/true);
  // Evicted connections close on their own loops, a little later: while a
  // flood comes in, the server holds up to half its limit more.
  EXPECT_LE(fds_peak - fds_before, 1500 + 16) << "far more connections than max_connections";
  EXPECT_GT(crowd.endings()["closed"], idle - 1000 - 500) << endings;
  EXPECT_LT(memory.peak() - memory.before(), 200 * 1024) << "KiB";
  report(
      std::to_string(idle) + " idle connections, max_connections 1000, " +
          std::to_string(hold.count()) + " s",
      "at most " + std::to_string(fds_peak - fds_before) + " held; attackers ended: " + endings,
      honest.summary() + (honest.failures().empty() ? "" : " (failed: " + honest.failures() + ")"),
      memory);
}

// A slowloris crowd: each connection sends a header one byte at a time and
// never finishes it, and is replaced when the server ends it. Each is
// answered 408 at request_timeout, or closed without a response when evicted
// for a newer connection at max_connections (the long form: 2,000 against
// the default 1,024); the honest client is served throughout.
TEST_F(HostileClientTest, SlowlorisCrowdGets408OrEvictedWhileHonestClientsAreServed) {
  const int size = long_form() ? 2000 : 500;
  const auto hold = long_form() ? 60s : 5s;
  serve(long_form() ? "" : "request_timeout = 2\n");
  MemoryWatch memory(pid_);
  Crowd crowd(server_->port(), size, 100ms, /*reopen=*/true);
  HonestClient honest(server_->base_url(), 20ms);
  std::this_thread::sleep_for(hold);
  honest.stop();
  crowd.stop();
  memory.finish();
  auto endings = crowd.endings();
  expect_honest_served(honest, /*flood=*/true);
  if (!long_form()) {
    EXPECT_GT(endings["408"], 0) << crowd.endings_text();
  }
  for (const auto& [how, count] : endings) {
    EXPECT_TRUE(how == "408" || how == "closed") << how << " x" << count;
  }
  EXPECT_LT(memory.peak() - memory.before(), 200 * 1024) << "KiB";
  report(
      "slowloris crowd of " + std::to_string(size) + " (a byte every 100 ms), " +
          std::to_string(hold.count()) + " s, " + std::to_string(crowd.opened()) + " connections",
      "attackers ended: " + crowd.endings_text(),
      honest.summary() + (honest.failures().empty() ? "" : " (failed: " + honest.failures() + ")"),
      memory);
}

// ---------------------------------------------------------------- hostile arguments

std::string error_code_of(const std::string& body) {
  static const std::regex code("<error code=\"([A-Za-z]+)\"");
  std::smatch match;
  return std::regex_search(body, match, code) ? match[1].str() : "";
}

// Every argument gets values that are badly percent-encoded (raw), carry NUL
// and control bytes, are huge, or look like injections (XML, SQL, paths,
// templates). Each answer is 200 with the OAI-PMH error docs/protocol.md says
// (E-1 badArgument, E-3 badVerb, E-5 idDoesNotExist, R-5
// badResumptionToken, ...), valid XML for the schema with everything echoed
// escaped, and never much larger than the request.
TEST_F(HostileClientTest, HostileArgumentValuesGetOaiErrors_E1_E3_X10_X11) {
  serve();
  MemoryWatch memory(pid_);
  // The other arguments of a request that tests `argument`.
  const std::map<std::string, std::string> context = {
      {"verb", ""},
      {"identifier", "verb=GetRecord&metadataPrefix=oai_dc&"},
      {"metadataPrefix", "verb=ListRecords&"},
      {"from", "verb=ListIdentifiers&metadataPrefix=oai_dc&"},
      {"until", "verb=ListIdentifiers&metadataPrefix=oai_dc&"},
      {"set", "verb=ListRecords&metadataPrefix=oai_dc&"},
      {"resumptionToken", "verb=ListRecords&"},
      {"unknownArgument", "verb=Identify&"},
  };
  // The codes an argument with a value we cannot accept may get.
  const std::map<std::string, std::set<std::string>> allowed = {
      {"verb", {"badVerb"}},
      {"identifier", {"badArgument", "idDoesNotExist"}},
      {"metadataPrefix", {"badArgument", "cannotDisseminateFormat"}},
      {"from", {"badArgument"}},
      {"until", {"badArgument"}},
      {"set", {"badArgument", "noRecordsMatch"}},
      {"resumptionToken", {"badArgument", "badResumptionToken"}},
      {"unknownArgument", {"badArgument"}},
  };
  // Values, percent-encoded properly before sending.
  const std::vector<std::pair<std::string, std::string>> values = {
      {"NUL", std::string("a\0b", 3)},
      {"NUL alone", std::string(1, '\0')},
      {"control bytes", "a\x01\x02\x1b[31m\x7f"},
      {"U+FFFE", "a\xEF\xBF\xBE"},
      {"CR LF (header injection)", "a\r\nSet-Cookie: x=1\r\n\r\n<evil/>"},
      {"XML markup", "\"><script>alert(1)</script><x a='"},
      {"CDATA end and entities", "]]>&amp;&lt;&#0;&#x1;&xxe;"},
      {"XXE", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>&e;"},
      {"SQL", "' OR '1'='1'; DROP TABLE records; --"},
      {"LIKE wildcards", "%_%"},
      {"path traversal", "../../../../etc/passwd"},
      {"template", "{{7*7}}${jndi:ldap://127.0.0.1/x}"},
      {"format string", "%s%s%s%n%n"},
      {"long UTF-8", std::string(3000, 'x') + "\xE2\x82\xAC"},
      {"huge (20,000 '<', 60 KB encoded, POST)", std::string(20000, '<')},
  };
  // Raw texts: sent as they are, not percent-encoded (H-3).
  const std::vector<std::pair<std::string, std::string>> raw = {
      {"bad percent: %zz", "%zz"},  {"bad percent: %", "%"},
      {"bad percent: %4", "a%4"},   {"double-encoded NUL", "%2500"},
      {"overlong UTF-8", "%C0%AE"}, {"lone continuation", "%80"},
      {"surrogate", "%ED%A0%80"},   {"above U+10FFFF", "%F4%90%80%80"},
  };
  int checked = 0;
  std::size_t largest_request = 0;
  std::size_t largest_response = 0;
  std::map<std::string, int> codes;
  auto check = [&](const std::string& argument, const std::string& what, const std::string& form,
                   bool decodable) {
    const bool post = form.size() > 6000;
    const std::string body = form;
    const HttpResult result =
        post ? http_request(server_->base_url(),
                            {"Content-Type: application/x-www-form-urlencoded"}, &body)
             : http_request(server_->base_url() + "?" + form);
    const std::string label = argument + " = " + what + (post ? " (POST)" : "");
    ++checked;
    ASSERT_EQ(result.status, 200) << label << ": " << result.error;
    EXPECT_EQ(result.header("Content-Type"), "text/xml; charset=UTF-8") << label;
    const std::string code = error_code_of(result.body);
    ++codes[code];
    if (decodable) {
      EXPECT_TRUE(allowed.at(argument).count(code) == 1) << label << ": " << code;
    } else {
      EXPECT_EQ(code, "badArgument") << label << " is not percent-encoded UTF-8 (H-3)";
    }
    largest_request = std::max(largest_request, form.size());
    largest_response = std::max(largest_response, result.body.size());
    // An echo may double a value (escaping); never more.
    EXPECT_LT(result.body.size(), 2 * form.size() + 4096) << label;
    keep(result.body, label);
  };
  for (const auto& [argument, before] : context) {
    for (const auto& [what, value] : values) {
      check(argument, what, before + argument + "=" + percent_encoded(value), true);
    }
    // The whole text fails to decode, whichever argument holds the fault.
    if (argument != "identifier" && argument != "resumptionToken") continue;
    for (const auto& [what, text] : raw) {
      const bool decodable = what == "double-encoded NUL";  // decodes once, to "%00" (OI-4)
      check(argument, what, before + argument + "=" + text, decodable);
    }
  }
  validate_kept();
  memory.finish();
  std::string answers;
  for (const auto& [code, count] : codes) answers += code + " x" + std::to_string(count) + " ";
  report(std::to_string(checked) + " hostile argument values (8 arguments)",
         answers + "; all 200 text/xml, valid; largest request " + std::to_string(largest_request) +
             " B, largest response " + std::to_string(largest_response) + " B",
         "-", memory);
}

// ---------------------------------------------------------------- forged tokens

std::string token_of(const std::string& body) {
  static const std::regex token("<resumptionToken[^>]*>([^<]+)</resumptionToken>");
  std::smatch match;
  return std::regex_search(body, match, token) ? match[1].str() : "";
}

// Altered, truncated, extended, re-signed, cross-verb and re-used-with-other-
// arguments tokens: badResumptionToken, or badArgument when the token
// is not the only argument or empty; a genuine token still works, as
// often as it is sent.
TEST_F(HostileClientTest, ForgedResumptionTokensGetBadResumptionToken_R4_R5) {
  serve();
  MemoryWatch memory(pid_);
  const HttpResult first =
      http_request(server_->base_url() + "?verb=ListRecords&metadataPrefix=oai_dc");
  const std::string token = token_of(first.body);
  ASSERT_FALSE(token.empty()) << first.body.substr(0, 400);
  const std::string identifiers_token = token_of(
      http_request(server_->base_url() + "?verb=ListIdentifiers&metadataPrefix=oai_dc").body);
  ASSERT_FALSE(identifiers_token.empty());
  const auto dot = token.rfind('.');
  ASSERT_NE(dot, std::string::npos);
  std::string flipped = token;
  flipped[token.size() / 3] = flipped[token.size() / 3] == 'A' ? 'B' : 'A';
  std::string flipped_signature = token;
  flipped_signature[dot + 3] = flipped_signature[dot + 3] == 'A' ? 'B' : 'A';
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"one payload character changed",
       "verb=ListRecords&resumptionToken=" + percent_encoded(flipped), "badResumptionToken"},
      {"one signature character changed",
       "verb=ListRecords&resumptionToken=" + percent_encoded(flipped_signature),
       "badResumptionToken"},
      {"truncated",
       "verb=ListRecords&resumptionToken=" + percent_encoded(token.substr(0, token.size() - 5)),
       "badResumptionToken"},
      {"signature removed",
       "verb=ListRecords&resumptionToken=" + percent_encoded(token.substr(0, dot)),
       "badResumptionToken"},
      {"signature of another payload",
       "verb=ListRecords&resumptionToken=" +
           percent_encoded(token.substr(0, dot) +
                           identifiers_token.substr(identifiers_token.rfind('.'))),
       "badResumptionToken"},
      {"extended", "verb=ListRecords&resumptionToken=" + percent_encoded(token + "AAAA"),
       "badResumptionToken"},
      {"other version",
       "verb=ListRecords&resumptionToken=" + percent_encoded("2" + token.substr(1)),
       "badResumptionToken"},
      {"made up", "verb=ListRecords&resumptionToken=1.AAAA.AAAA", "badResumptionToken"},
      {"not ours at all", "verb=ListRecords&resumptionToken=page-2", "badResumptionToken"},
      {"huge", "verb=ListRecords&resumptionToken=" + std::string(6000, 'A'), "badResumptionToken"},
      {"ListIdentifiers' token for ListRecords",
       "verb=ListRecords&resumptionToken=" + percent_encoded(identifiers_token),
       "badResumptionToken"},
      {"ListRecords' token for ListSets", "verb=ListSets&resumptionToken=" + percent_encoded(token),
       "badResumptionToken"},
      {"with metadataPrefix",
       "verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=" + percent_encoded(token),
       "badArgument"},
      {"with another set", "verb=ListRecords&set=chain&resumptionToken=" + percent_encoded(token),
       "badArgument"},
      {"with from", "verb=ListRecords&from=2000-01-01&resumptionToken=" + percent_encoded(token),
       "badArgument"},
      {"twice",
       "verb=ListRecords&resumptionToken=" + percent_encoded(token) +
           "&resumptionToken=" + percent_encoded(token),
       "badArgument"},
      {"empty", "verb=ListRecords&resumptionToken=", "badArgument"},
      {"for Identify", "verb=Identify&resumptionToken=" + percent_encoded(token), "badArgument"},
  };
  std::map<std::string, int> codes;
  for (const auto& [what, query, expected] : cases) {
    const HttpResult result = http_request(server_->base_url() + "?" + query);
    EXPECT_EQ(result.status, 200) << what;
    EXPECT_EQ(error_code_of(result.body), expected) << what;
    ++codes[error_code_of(result.body)];
    keep(result.body, "token " + what);
  }
  // The genuine token, replayed: the same page each time (tokens are idempotent).
  const HttpResult again1 = http_request(
      server_->base_url() + "?verb=ListRecords&resumptionToken=" + percent_encoded(token));
  const HttpResult again2 = http_request(
      server_->base_url() + "?verb=ListRecords&resumptionToken=" + percent_encoded(token));
  EXPECT_EQ(error_code_of(again1.body), "");
  EXPECT_EQ(token_of(again1.body), token_of(again2.body));
  keep(again1.body, "genuine token");
  validate_kept();
  memory.finish();
  std::string answers;
  for (const auto& [code, count] : codes) answers += code + " x" + std::to_string(count) + " ";
  report(std::to_string(cases.size()) + " forged or misused tokens",
         answers + "; genuine token replayed: 200 twice", "-", memory);
}

}  // namespace
