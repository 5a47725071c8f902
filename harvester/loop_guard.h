// Guards that end a list a repository would otherwise serve forever
// (HV-4): they trust neither `cursor` nor `completeListSize`.
#ifndef HARVESTER_LOOP_GUARD_H_
#define HARVESTER_LOOP_GUARD_H_

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace harvester {

// Remembers the identifiers and tokens of one list in bounded memory: a
// scalable Bloom filter (2 to 4 bytes an identifier) for identifiers, a set
// of hashes for tokens.
class LoopGuard {
 public:
  explicit LoopGuard(std::int64_t max_pages) : max_pages_(max_pages) {}

  // Records a page and returns why the list must stop, or empty to go on:
  // the page limit is reached, `next_token` was already received in this
  // list, or every identifier of a page of three or more was already seen in
  // it (a false positive needs all of them to collide: below 1e-9).
  std::string check_page(const std::vector<std::string>& identifiers,
                         const std::string& next_token);

 private:
  // One Bloom filter of a fixed capacity; the guard adds larger ones as it fills.
  struct Filter {
    std::vector<std::uint64_t> bits;
    std::uint64_t capacity = 0;
    std::uint64_t count = 0;
  };
  bool maybe_seen(std::uint64_t hash) const;
  void add(std::uint64_t hash);

  std::int64_t max_pages_;
  std::int64_t pages_ = 0;
  std::unordered_set<std::uint64_t> tokens_;  // hashes of the tokens received
  std::vector<Filter> filters_;               // identifiers seen, newest last
};

}  // namespace harvester

#endif  // HARVESTER_LOOP_GUARD_H_
