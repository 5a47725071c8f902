// What `oaipmh harvest` shows on a terminal while it works: one live line per
// source being harvested, with log lines scrolling above them.
#ifndef CLI_PROGRESS_DISPLAY_H_
#define CLI_PROGRESS_DISPLAY_H_

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "harvester/source_harvest.h"

namespace cli {

class ProgressDisplay {
 public:
  // With `live`, progress lines are drawn on `out` (a terminal) and redrawn
  // in place at most ten times a second; without, only log lines are written.
  ProgressDisplay(std::FILE* out, bool live) : out_(out), live_(live) {}
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;
  ~ProgressDisplay();

  // Writes one log line above the progress lines. Thread-safe.
  void log(const std::string& line);
  // Records where a source stands. Thread-safe.
  void update(const harvester::Progress& progress);
  // Removes the source's progress line. Thread-safe.
  void finish(const std::string& source);

 private:
  void erase();
  void draw();

  std::FILE* out_;
  bool live_;
  std::mutex mutex_;
  std::map<std::string, std::string> lines_;  // by source: its progress line
  std::size_t drawn_ = 0;                     // progress lines on the screen now
  std::chrono::steady_clock::time_point last_draw_{};
};

// "1.5 MB", "320 KB", "12 B".
std::string human_bytes(std::uint64_t bytes);

}  // namespace cli

#endif  // CLI_PROGRESS_DISPLAY_H_
