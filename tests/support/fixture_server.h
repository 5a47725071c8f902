// Starts tests/fixture_server/fixture_server.py on 127.0.0.1 for one test:
// a real HTTP server playing a scripted repository.
#ifndef TESTS_SUPPORT_FIXTURE_SERVER_H_
#define TESTS_SUPPORT_FIXTURE_SERVER_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace testing_support {

// A Python loopback server of tests/ (`python3 SCRIPT ARGUMENTS...`), which
// prints `PORT <n>` once listening on 127.0.0.1 and exits when its stdin
// closes: when this object goes, or when the test dies.
class ScriptServer {
 public:
  ScriptServer(const std::string& script, std::vector<std::string> arguments) {
    int to_child[2];
    int from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(to_child[0], STDIN_FILENO);
      dup2(from_child[1], STDOUT_FILENO);
      close(to_child[1]);
      close(from_child[0]);
      arguments.insert(arguments.begin(), {"python3", script});
      std::vector<char*> argv;
      for (auto& argument : arguments) argv.push_back(argument.data());
      argv.push_back(nullptr);
      execvp("python3", argv.data());
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    // Other programs the test starts must not inherit the server's stdin,
    // or it would not see EOF when this object goes.
    fcntl(to_child[1], F_SETFD, FD_CLOEXEC);
    fcntl(from_child[0], F_SETFD, FD_CLOEXEC);
    stdin_ = to_child[1];
    FILE* out = fdopen(from_child[0], "r");
    char line[128] = {};
    if (out == nullptr || fgets(line, sizeof line, out) == nullptr ||
        std::sscanf(line, "PORT %d", &port_) != 1) {
      if (out != nullptr) fclose(out);
      stop();
      throw std::runtime_error(script + " did not start");
    }
    fclose(out);
  }
  ScriptServer(const ScriptServer&) = delete;
  ScriptServer& operator=(const ScriptServer&) = delete;
  ~ScriptServer() { stop(); }

  int port() const { return port_; }

 private:
  // Closes its stdin and waits up to two seconds for it to go, then kills it.
  void stop() {
    if (stdin_ >= 0) close(stdin_);
    stdin_ = -1;
    if (pid_ <= 0) return;
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  pid_t pid_ = -1;
  int stdin_ = -1;  // our end of the server's stdin; closing it stops the server
  int port_ = 0;
};

// tests/fixture_server/fixture_server.py: a scripted repository.
class FixtureServer {
 public:
  // Starts the server on `scenario_path` (JSON, see tests/fixture_server/README.md),
  // logging requests to `log_path`. It exits when this object is destroyed
  // (its stdin closes), or after `max_seconds` whatever happens.
  FixtureServer(const std::string& scenario_path, const std::string& log_path,
                int max_seconds = 120)
      : server_(std::string(OAIPMH_SOURCE_DIR) + "/tests/fixture_server/fixture_server.py",
                {"--scenario", scenario_path, "--log", log_path, "--max-seconds",
                 std::to_string(max_seconds)}),
        log_path_(log_path) {}

  int port() const { return server_.port(); }
  std::string base_url(const std::string& path = "/oai") const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }

  // The request log: one JSON object a line.
  std::vector<std::string> requests() const {
    std::vector<std::string> lines;
    std::ifstream in(log_path_);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

 private:
  ScriptServer server_;
  std::string log_path_;
};

}  // namespace testing_support

#endif  // TESTS_SUPPORT_FIXTURE_SERVER_H_
