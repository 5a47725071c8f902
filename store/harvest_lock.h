// What keeps two harvests from writing one store at once.
#ifndef STORE_HARVEST_LOCK_H_
#define STORE_HARVEST_LOCK_H_

#include <memory>
#include <optional>
#include <string>

namespace store {

// Holds the harvest lock of a store for its lifetime. For a SQLite file it
// is an exclusive flock on `<store>.harvest-lock`; for a PostgreSQL database,
// a session advisory lock. Both are released when the process ends, however
// it ends, so a killed harvest never leaves a stale lock. `oaipmh harvest`
// takes it exclusively; `oaipmh harvest --worker` processes of a PostgreSQL
// store share it among themselves (they divide the sources by leases,
// store/host_leases.h) and exclude a plain harvest.
class HarvestLock {
 public:
  enum class Mode { kExclusive, kSharedByWorkers };

  // Takes the lock of the store named `store` (as Store::open names it), or
  // returns nullopt at once when another harvest holds it. Throws StoreError
  // when the lock file cannot be opened or the database cannot be reached.
  static std::optional<HarvestLock> try_acquire(const std::string& store,
                                                Mode mode = Mode::kExclusive);

  HarvestLock(HarvestLock&& other) noexcept;
  HarvestLock& operator=(HarvestLock&&) = delete;
  HarvestLock(const HarvestLock&) = delete;
  ~HarvestLock();

  // Where the lock of `store` is, for messages: the lock file's path, or "an
  // advisory lock in the database".
  static std::string describe(const std::string& store);

 private:
  struct Held;
  explicit HarvestLock(std::unique_ptr<Held> held);
  std::unique_ptr<Held> held_;  // the locked file, or the connection holding the lock
};

}  // namespace store

#endif  // STORE_HARVEST_LOCK_H_
