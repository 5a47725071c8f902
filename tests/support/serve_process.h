// Runs `oaipmh serve` for a test: a real server process on 127.0.0.1 with an
// ephemeral port, stopped with SIGTERM (or killed) when the object goes.
#ifndef TESTS_SUPPORT_SERVE_PROCESS_H_
#define TESTS_SUPPORT_SERVE_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace testing_support {

class ServeProcess {
 public:
  // Starts `oaipmh serve --listen 127.0.0.1:0 <arguments>` and waits until it
  // says where it listens.
  explicit ServeProcess(const std::vector<std::string>& arguments) {
    int err[2];
    if (pipe(err) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(err[1], STDERR_FILENO);
      close(err[0]);
      std::vector<std::string> all = {OAIPMH_BINARY, "serve", "--listen", "127.0.0.1:0"};
      all.insert(all.end(), arguments.begin(), arguments.end());
      std::vector<char*> argv;
      for (auto& argument : all) argv.push_back(argument.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(err[1]);
    fcntl(err[0], F_SETFD, FD_CLOEXEC);
    reader_ = std::thread([this, fd = err[0]] { read_stderr(fd); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (port() == 0 && std::chrono::steady_clock::now() < deadline && !exited()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (port() == 0) {
      stop();
      throw std::runtime_error("oaipmh serve did not start: " + output());
    }
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;
  ~ServeProcess() { stop(); }

  int port() const {
    std::lock_guard lock(mutex_);
    return port_;
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/oai"; }

  // Everything the server wrote to stderr so far (its log and access log).
  std::string output() const {
    std::lock_guard lock(mutex_);
    return output_;
  }

  // Waits (at most 10 s) until the server's stderr holds `text`: the access log
  // line of a request is written after its response, so it may lag the client.
  bool wait_for_output(const std::string& text) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (output().find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  // Sends SIGTERM and waits (at most 20 s) for the exit status; -1 if it had to be killed.
  int terminate() {
    if (pid_ <= 0) return status_;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 1000 && !exited(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    return status_;
  }

 private:
  bool exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      pid_ = -1;
      return true;
    }
    return false;
  }

  void stop() {
    if (pid_ > 0 && !exited()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
      status_ = -1;
    }
    if (reader_.joinable()) reader_.join();
  }

  void read_stderr(int fd) {
    static const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
    char buffer[4096];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
      std::lock_guard lock(mutex_);
      output_.append(buffer, static_cast<std::size_t>(n));
      std::smatch match;
      if (port_ == 0 && std::regex_search(output_, match, listening)) port_ = std::stoi(match[1]);
    }
    close(fd);
  }

  pid_t pid_ = -1;
  int status_ = -1;  // exit status once exited
  std::thread reader_;
  mutable std::mutex mutex_;
  std::string output_;
  int port_ = 0;
};

}  // namespace testing_support

#endif  // TESTS_SUPPORT_SERVE_PROCESS_H_
