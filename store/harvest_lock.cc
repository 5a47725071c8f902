#include "store/harvest_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdint>
#include <utility>

#include "store/postgres/connection.h"
#include "store/store.h"

namespace store {
namespace {

// The advisory lock's key: any number no other program of the database uses.
constexpr std::int64_t kAdvisoryLockKey = 0x6f61692d686172;  // "oai-har"

}  // namespace

struct HarvestLock::Held {
  int fd = -1;                                 // the locked file (SQLite)
  std::unique_ptr<pg::Connection> connection;  // the session holding the lock (PostgreSQL)
  ~Held() {
    if (fd >= 0) close(fd);  // closing releases the flock
  }
};

HarvestLock::HarvestLock(std::unique_ptr<Held> held) : held_(std::move(held)) {}
HarvestLock::HarvestLock(HarvestLock&& other) noexcept = default;
HarvestLock::~HarvestLock() = default;

std::optional<HarvestLock> HarvestLock::try_acquire(const std::string& store, Mode mode) {
  auto held = std::make_unique<Held>();
  if (is_postgres_url(store)) {
    held->connection = std::make_unique<pg::Connection>(store);
    const auto taken = held->connection->run(mode == Mode::kSharedByWorkers
                                                 ? "SELECT pg_try_advisory_lock_shared($1)"
                                                 : "SELECT pg_try_advisory_lock($1)",
                                             pg::Params().add(kAdvisoryLockKey));
    if (!taken.boolean(0, 0)) return std::nullopt;
    return HarvestLock(std::move(held));
  }
  const std::string path = describe(store);
  held->fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (held->fd < 0) throw StoreError("cannot open the harvest lock " + path);
  if (flock(held->fd, LOCK_EX | LOCK_NB) != 0) return std::nullopt;
  return HarvestLock(std::move(held));
}

std::string HarvestLock::describe(const std::string& store) {
  if (is_postgres_url(store)) return "an advisory lock in the database";
  return store + ".harvest-lock";
}

}  // namespace store
