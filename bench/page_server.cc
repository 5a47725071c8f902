// page_server: a small HTTP/1.1 server on loopback that plays an OAI-PMH
// repository over a chain of ListRecords pages written by make_page_chain, so
// a harvest benchmark measures the harvester and not the server. Pages go out
// with sendfile from the page cache; the few other responses from memory.
//
//   page_server --pages DIR --identify FILE --list-metadata-formats FILE
//               --list-sets FILE [--max-seconds N]
//
// ListRecords without a resumptionToken answers DIR/page-0.xml; with
// resumptionToken=pN, DIR/page-N.xml. Identify, ListMetadataFormats and
// ListSets answer their files, with {{BASE}} replaced by http://127.0.0.1:PORT
// and {{PORT}} by the port (as the tests' fixture server does). Everything
// else is a 404. GET and POST (form body) are the same; connections are kept
// alive. Binds 127.0.0.1 on an ephemeral port, prints "PORT <n>" once
// listening, and exits after --max-seconds (default 3600) or when its stdin
// reaches end of file. One thread a connection: a harvester uses one.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

namespace {

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

struct Options {
  std::string pages;
  std::string identify;
  std::string list_metadata_formats;
  std::string list_sets;
  int max_seconds = 3600;
};

// What the server answers, fixed once the port is known.
struct Repository {
  std::string pages;                         // the directory of page-N.xml files
  std::map<std::string, std::string> fixed;  // verb -> templated body
};

std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view name = argv[i];
    const char* value = argv[i + 1];
    if (name == "--pages")
      options.pages = value;
    else if (name == "--identify")
      options.identify = value;
    else if (name == "--list-metadata-formats")
      options.list_metadata_formats = value;
    else if (name == "--list-sets")
      options.list_sets = value;
    else if (name == "--max-seconds")
      options.max_seconds = std::atoi(value);
    else
      return std::nullopt;
  }
  if (argc % 2 == 0 || options.pages.empty() || options.identify.empty() ||
      options.list_metadata_formats.empty() || options.list_sets.empty() ||
      options.max_seconds <= 0) {
    return std::nullopt;
  }
  return options;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding: '+' is a space, %XX a byte.
std::string form_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
               hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_params(std::string_view query) {
  std::map<std::string, std::string> params;
  while (!query.empty()) {
    const std::size_t end = std::min(query.find('&'), query.size());
    const std::string_view pair = query.substr(0, end);
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos)
      params[form_decode(pair)] = "";
    else
      params[form_decode(pair.substr(0, equals))] = form_decode(pair.substr(equals + 1));
    query.remove_prefix(std::min(end + 1, query.size()));
  }
  return params;
}

bool send_all(int fd, std::string_view data, int flags = 0) {
  while (!data.empty()) {
    const ssize_t sent = send(fd, data.data(), data.size(), flags | MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

std::string head(int status, std::size_t length, bool keep_alive) {
  return "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Not Found") +
         "\r\nContent-Type: " + (status == 200 ? "text/xml; charset=UTF-8" : "text/plain") +
         "\r\nContent-Length: " + std::to_string(length) +
         (keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n");
}

bool send_not_found(int fd, bool keep_alive) {
  const std::string body = "page_server: no response for this request\n";
  return send_all(fd, head(404, body.size(), keep_alive) + body);
}

// Sends DIR/page-N.xml for the token "pN" (page 0 without a token).
bool send_page(int fd, const Repository& repository, const std::string* token, bool keep_alive) {
  std::string number = "0";
  if (token != nullptr) {
    if (token->size() < 2 || (*token)[0] != 'p' ||
        token->find_first_not_of("0123456789", 1) != std::string::npos) {
      return send_not_found(fd, keep_alive);
    }
    number = token->substr(1);
  }
  const std::string path = repository.pages + "/page-" + number + ".xml";
  const int file = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file < 0) return send_not_found(fd, keep_alive);
  struct stat status {};
  fstat(file, &status);
  const auto size = static_cast<std::size_t>(status.st_size);
  bool ok = send_all(fd, head(200, size, keep_alive), MSG_MORE);
  off_t offset = 0;
  while (ok && static_cast<std::size_t>(offset) < size) {
    ok = sendfile(fd, file, &offset, size - static_cast<std::size_t>(offset)) > 0;
  }
  close(file);
  return ok;
}

bool answer(int fd, const Repository& repository, const std::map<std::string, std::string>& params,
            bool keep_alive) {
  const auto verb = params.find("verb");
  if (verb == params.end()) return send_not_found(fd, keep_alive);
  if (verb->second == "ListRecords") {
    const auto token = params.find("resumptionToken");
    return send_page(fd, repository, token == params.end() ? nullptr : &token->second, keep_alive);
  }
  const auto body = repository.fixed.find(verb->second);
  if (body == repository.fixed.end()) return send_not_found(fd, keep_alive);
  return send_all(fd, head(200, body->second.size(), keep_alive) + body->second);
}

// The value of header `name` (lower case) in the header block, or "".
std::string header_value(std::string_view headers, std::string_view name) {
  std::size_t line = headers.find("\r\n");
  while (line != std::string_view::npos && line + 2 < headers.size()) {
    const std::size_t start = line + 2;
    const std::size_t end = headers.find("\r\n", start);
    const std::string_view text = headers.substr(start, end - start);
    const std::size_t colon = text.find(':');
    if (colon == name.size() &&
        std::equal(name.begin(), name.end(), text.begin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        })) {
      const std::size_t value = text.find_first_not_of(" \t", colon + 1);
      return value == std::string_view::npos ? "" : std::string(text.substr(value));
    }
    line = end;
  }
  return "";
}

// Reads requests from one connection and answers them until the client
// closes it, a response says "Connection: close", or something fails.
void serve_connection(int fd, const Repository& repository) {
  std::string buffer;
  char chunk[16 * 1024];
  for (;;) {
    std::size_t header_end;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (buffer.size() > kMaxHeaderBytes) return (void)close(fd);
      const ssize_t got = recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0) return (void)close(fd);
      buffer.append(chunk, static_cast<std::size_t>(got));
    }
    const std::string headers = buffer.substr(0, header_end);
    const std::size_t length =
        std::strtoull(header_value(headers, "content-length").c_str(), nullptr, 10);
    if (length > kMaxBodyBytes) return (void)close(fd);
    while (buffer.size() < header_end + 4 + length) {
      const ssize_t got = recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0) return (void)close(fd);
      buffer.append(chunk, static_cast<std::size_t>(got));
    }
    const std::string body = buffer.substr(header_end + 4, length);
    buffer.erase(0, header_end + 4 + length);

    // Request line: METHOD TARGET VERSION.
    const std::string request_line = headers.substr(0, headers.find("\r\n"));
    const std::size_t first_space = request_line.find(' ');
    const std::size_t second_space = request_line.find(' ', first_space + 1);
    if (first_space == std::string::npos || second_space == std::string::npos)
      return (void)close(fd);
    const std::string method = request_line.substr(0, first_space);
    const std::string target = request_line.substr(first_space + 1, second_space - first_space - 1);
    const std::string version = request_line.substr(second_space + 1);
    const std::string connection = header_value(headers, "connection");
    const bool keep_alive =
        version == "HTTP/1.1" ? connection != "close" : connection == "keep-alive";

    const std::size_t question = target.find('?');
    const std::string query =
        method == "POST" ? body
                         : (question == std::string::npos ? "" : target.substr(question + 1));
    if (!answer(fd, repository, parse_params(query), keep_alive) || !keep_alive) {
      return (void)close(fd);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse_options(argc, argv);
  if (!options) {
    std::fprintf(stderr,
                 "usage: page_server --pages DIR --identify FILE --list-metadata-formats FILE "
                 "--list-sets FILE [--max-seconds N]\n");
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);

  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t address_size = sizeof address;
  if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener, 128) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&address), &address_size) != 0) {
    std::perror("page_server: cannot listen on 127.0.0.1");
    return 1;
  }
  const std::string port = std::to_string(ntohs(address.sin_port));

  // Never freed: connection threads may still use it while the process exits.
  auto* repository = new Repository{options->pages, {}};
  const std::pair<const char*, const std::string*> fixed[] = {
      {"Identify", &options->identify},
      {"ListMetadataFormats", &options->list_metadata_formats},
      {"ListSets", &options->list_sets}};
  for (const auto& [verb, path] : fixed) {
    auto body = read_file(*path);
    if (!body) {
      std::fprintf(stderr, "page_server: cannot read %s\n", path->c_str());
      return 1;
    }
    replace_all(*body, "{{BASE}}", "http://127.0.0.1:" + port);
    replace_all(*body, "{{PORT}}", port);
    repository->fixed[verb] = std::move(*body);
  }

  std::printf("PORT %s\n", port.c_str());
  std::fflush(stdout);

  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(options->max_seconds);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd watched[2] = {{listener, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    if (poll(watched, 2, static_cast<int>(std::min<long long>(left.count(), 1000))) < 0) continue;
    if (watched[1].revents != 0) {
      char ignored[256];
      if (read(STDIN_FILENO, ignored, sizeof ignored) <= 0) break;  // stdin closed
    }
    if (watched[0].revents & POLLIN) {
      const int connection = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection >= 0)
        std::thread(serve_connection, connection, std::cref(*repository)).detach();
    }
  }
  // Connection threads may be mid-response; end them with the process.
  _exit(0);
}
