#include "cli/progress_display.h"

#include <cmath>

namespace cli {

ProgressDisplay::~ProgressDisplay() {
  std::lock_guard lock(mutex_);
  erase();
}

void ProgressDisplay::log(const std::string& line) {
  std::lock_guard lock(mutex_);
  erase();
  std::fprintf(out_, "%s\n", line.c_str());
  draw();
}

void ProgressDisplay::update(const harvester::Progress& progress) {
  if (!live_) return;
  const double rate =
      progress.seconds > 0 ? static_cast<double>(progress.records) / progress.seconds : 0;
  char line[512];
  std::snprintf(line, sizeof line, "%s: %lld records, %lld pages, %.0f records/s, %s %s",
                progress.source.c_str(), static_cast<long long>(progress.records),
                static_cast<long long>(progress.pages), rate, progress.list.c_str(),
                progress.window.c_str());
  std::lock_guard lock(mutex_);
  lines_[progress.source] = line;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  erase();
  draw();
}

void ProgressDisplay::finish(const std::string& source) {
  std::lock_guard lock(mutex_);
  erase();
  lines_.erase(source);
  draw();
}

void ProgressDisplay::erase() {
  if (!live_) return;
  for (; drawn_ > 0; --drawn_) std::fputs("\033[1A\033[2K", out_);
  std::fflush(out_);
}

void ProgressDisplay::draw() {
  if (!live_) return;
  for (const auto& [source, line] : lines_) std::fprintf(out_, "%s\n", line.c_str());
  drawn_ = lines_.size();
  std::fflush(out_);
}

std::string human_bytes(std::uint64_t bytes) {
  char text[32];
  if (bytes >= (1u << 20)) {
    std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / (1 << 20));
  } else if (bytes >= 1024) {
    std::snprintf(text, sizeof text, "%.0f KB", std::round(static_cast<double>(bytes) / 1024));
  } else {
    std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
  }
  return text;
}

}  // namespace cli
