// The server's table of open connections: who may come in, and whom to close
// to make room. Knows no sockets, so its rules are tested without any.
#ifndef PROVIDER_CONNECTION_TABLE_H_
#define PROVIDER_CONNECTION_TABLE_H_

#include <cstddef>
#include <functional>
#include <mutex>
#include <unordered_set>

namespace provider {

// Counts the open connections against max_connections and, when
// evict_idle_at_limit, keeps the idle ones (waiting for a request, or for the
// rest of its header) in the order they became idle, so that at the limit a
// new connection closes the one idle longest: a crowd of idle or slowloris
// connections cannot lock harvesters out. An evicted connection still holds
// its descriptor until its owner closes it: at most max_connections / 2 (at
// least 1) may be pending so, which keeps the open descriptors under 1.5
// times max_connections during a flood. Thread-safe.
class ConnectionTable {
 public:
  // What the table knows of one connection; the server's connection type
  // derives from it. Touched only by the table, under its lock.
  class Entry {
   public:
    Entry() = default;
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;

   private:
    friend class ConnectionTable;
    Entry* older_ = nullptr;  // in the idle list, toward the oldest
    Entry* newer_ = nullptr;
    bool idle_ = false;     // in the idle list
    bool evicted_ = false;  // closed to admit another; counted as pending
  };

  ConnectionTable(std::size_t max_connections, bool evict_idle_at_limit);

  // Takes `entry` in, unless the table is full and cannot evict (eviction
  // off, no idle connection, or too many evictions pending) or admits no
  // more (stop_admitting()); false then, and the entry is not in the table.
  // When it evicts to make room, it calls `close` on the evicted entry,
  // under the table's lock (so the entry is still alive; `close` must not
  // call the table). The evicted entry stays in the table until forgotten.
  bool admit(Entry& entry, const std::function<void(Entry&)>& close);

  // From now on admit() refuses everyone: after it returns, for_each() sees
  // every entry that will ever be in the table.
  void stop_admitting();

  // The connection waits for a request, or for the rest of its header: it
  // may be evicted from now on (the newest idle). False when it was evicted
  // already: the caller must end it.
  bool mark_idle(Entry& entry);

  // The connection has a whole request header: no longer evictable. False
  // when it was evicted before (it is closing).
  bool mark_busy(Entry& entry);

  // Takes an admitted entry out for good. Returns how many remain.
  std::size_t forget(Entry& entry);

  // Calls `each` on every entry, under the table's lock (so `each` must not
  // call the table).
  void for_each(const std::function<void(Entry&)>& each);

  // Open connections, evicted ones still closing included.
  std::size_t size() const;

 private:
  Entry* evict_oldest_idle();  // under mutex_; null when none may be
  void unlink(Entry& entry);   // under mutex_

  const std::size_t max_connections_;
  const bool evict_idle_at_limit_;
  mutable std::mutex mutex_;  // guards everything below
  std::unordered_set<Entry*> entries_;
  bool admitting_ = true;
  std::size_t evicted_pending_ = 0;  // evicted, still in entries_
  Entry* oldest_idle_ = nullptr;
  Entry* newest_idle_ = nullptr;
};

}  // namespace provider

#endif  // PROVIDER_CONNECTION_TABLE_H_
