#include "harvester/harvest_run.h"

#include <curl/curl.h>
#include <libxml/parser.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "store/store.h"

namespace harvester {

std::vector<std::string> library_versions() {
  const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
  std::string libcurl = std::string("libcurl ") + curl->version;
  if (curl->ssl_version != nullptr) libcurl += std::string(" (") + curl->ssl_version + ")";
  // xmlParserVersion is "20914" for 2.9.14.
  const int libxml2 = std::atoi(xmlParserVersion);
  return {libcurl, "libxml2 " + std::to_string(libxml2 / 10000) + "." +
                       std::to_string(libxml2 / 100 % 100) + "." + std::to_string(libxml2 % 100)};
}

std::string host_of(const std::string& url) {
  std::string host = url;
  CURLU* parsed = curl_url();
  if (parsed != nullptr && curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* name = nullptr;
    if (curl_url_get(parsed, CURLUPART_HOST, &name, 0) == CURLUE_OK) {
      host = name;
      curl_free(name);
      char* port = nullptr;
      if (curl_url_get(parsed, CURLUPART_PORT, &port, 0) == CURLUE_OK) {
        host.append(":").append(port);
        curl_free(port);
      }
    }
  }
  curl_url_cleanup(parsed);
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

namespace {

// Hands out sources to workers so that no two of one host run at once.
class SourceQueue {
 public:
  explicit SourceQueue(const std::vector<SourceSettings>& sources) : sources_(sources) {
    for (std::size_t i = 0; i < sources.size(); ++i) waiting_.push_back(i);
  }

  // The index of the next source whose host is free, waiting if needed;
  // nullopt when every source has been handed out.
  std::optional<std::size_t> take() {
    std::unique_lock lock(mutex_);
    while (true) {
      if (waiting_.empty()) return std::nullopt;
      for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
        const auto host = host_of(sources_[*it].base_url);
        if (busy_hosts_.insert(host).second) {
          const auto index = *it;
          waiting_.erase(it);
          return index;
        }
      }
      changed_.wait(lock);
    }
  }

  void done(std::size_t index) {
    {
      std::lock_guard lock(mutex_);
      busy_hosts_.erase(host_of(sources_[index].base_url));
    }
    changed_.notify_all();
  }

 private:
  const std::vector<SourceSettings>& sources_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::size_t> waiting_;  // indexes not yet handed out, in order
  std::set<std::string> busy_hosts_;
};

}  // namespace

std::vector<SourceSummary> harvest_sources(const std::string& store_path,
                                           const std::vector<SourceSettings>& sources, int workers,
                                           const LogFunction& log,
                                           const ProgressFunction& progress) {
  // Create or migrate the store once, before workers open it concurrently.
  store::Store::open(store_path);
  std::vector<SourceSummary> summaries(sources.size());
  SourceQueue queue(sources);
  auto work = [&] {
    while (const auto index = queue.take()) {
      summaries[*index] = harvest_source(store_path, sources[*index], log, progress);
      queue.done(*index);
    }
  };
  const int count =
      std::clamp(workers, 1, static_cast<int>(std::max<std::size_t>(1, sources.size())));
  std::vector<std::thread> threads;
  for (int i = 1; i < count; ++i) threads.emplace_back(work);
  work();
  for (auto& thread : threads) thread.join();
  return summaries;
}

}  // namespace harvester
