#include "provider/connection_table.h"

#include <algorithm>

namespace provider {

ConnectionTable::ConnectionTable(std::size_t max_connections, bool evict_idle_at_limit)
    : max_connections_(max_connections), evict_idle_at_limit_(evict_idle_at_limit) {}

bool ConnectionTable::admit(Entry& entry, const std::function<void(Entry&)>& close) {
  std::lock_guard lock(mutex_);
  if (!admitting_) return false;
  if (entries_.size() - evicted_pending_ >= max_connections_) {
    Entry* victim = evict_idle_at_limit_ ? evict_oldest_idle() : nullptr;
    if (victim == nullptr) return false;
    close(*victim);
  }
  entries_.insert(&entry);
  return true;
}

void ConnectionTable::stop_admitting() {
  std::lock_guard lock(mutex_);
  admitting_ = false;
}

ConnectionTable::Entry* ConnectionTable::evict_oldest_idle() {
  Entry* victim = oldest_idle_;
  if (victim == nullptr || evicted_pending_ >= std::max<std::size_t>(max_connections_ / 2, 1)) {
    return nullptr;
  }
  unlink(*victim);
  victim->evicted_ = true;
  ++evicted_pending_;
  return victim;
}

void ConnectionTable::unlink(Entry& entry) {
  if (!entry.idle_) return;
  (entry.older_ ? entry.older_->newer_ : oldest_idle_) = entry.newer_;
  (entry.newer_ ? entry.newer_->older_ : newest_idle_) = entry.older_;
  entry.older_ = entry.newer_ = nullptr;
  entry.idle_ = false;
}

bool ConnectionTable::mark_idle(Entry& entry) {
  if (!evict_idle_at_limit_) return true;
  std::lock_guard lock(mutex_);
  if (entry.evicted_) return false;
  if (entry.idle_) return true;
  entry.older_ = newest_idle_;
  (newest_idle_ ? newest_idle_->newer_ : oldest_idle_) = &entry;
  newest_idle_ = &entry;
  entry.idle_ = true;
  return true;
}

bool ConnectionTable::mark_busy(Entry& entry) {
  if (!evict_idle_at_limit_) return true;
  std::lock_guard lock(mutex_);
  unlink(entry);
  return !entry.evicted_;
}

std::size_t ConnectionTable::forget(Entry& entry) {
  std::lock_guard lock(mutex_);
  unlink(entry);
  if (entries_.erase(&entry) != 0 && entry.evicted_) --evicted_pending_;
  return entries_.size();
}

void ConnectionTable::for_each(const std::function<void(Entry&)>& each) {
  std::lock_guard lock(mutex_);
  for (Entry* entry : entries_) each(*entry);
}

std::size_t ConnectionTable::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace provider
