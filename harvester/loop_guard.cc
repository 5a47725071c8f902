#include "harvester/loop_guard.h"

#include <string_view>

namespace harvester {
namespace {

constexpr int kHashesPerKey = 11;
constexpr std::uint64_t kFirstCapacity = 1 << 16;
constexpr std::uint64_t kBitsPerKey = 16;  // with 11 hashes: about 0.05 % false positives a key

// FNV-1a, then a 64-bit finaliser: good enough spread for a Bloom filter.
std::uint64_t hash_of(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdull;
  hash ^= hash >> 33;
  return hash;
}

// The i-th probe position of `hash` in a filter of `bits` bits (double hashing).
std::uint64_t probe(std::uint64_t hash, int i, std::uint64_t bits) {
  const std::uint64_t step = (hash >> 32) | 1;
  return (hash + static_cast<std::uint64_t>(i) * step) % bits;
}

}  // namespace

bool LoopGuard::maybe_seen(std::uint64_t hash) const {
  for (const auto& filter : filters_) {
    const std::uint64_t bits = filter.bits.size() * 64;
    bool all = true;
    for (int i = 0; i < kHashesPerKey && all; ++i) {
      const auto at = probe(hash, i, bits);
      all = (filter.bits[at / 64] >> (at % 64)) & 1;
    }
    if (all) return true;
  }
  return false;
}

void LoopGuard::add(std::uint64_t hash) {
  if (filters_.empty() || filters_.back().count >= filters_.back().capacity) {
    const std::uint64_t capacity = filters_.empty() ? kFirstCapacity : filters_.back().capacity * 2;
    filters_.push_back(
        Filter{std::vector<std::uint64_t>(capacity * kBitsPerKey / 64 + 1), capacity, 0});
  }
  Filter& filter = filters_.back();
  const std::uint64_t bits = filter.bits.size() * 64;
  for (int i = 0; i < kHashesPerKey; ++i) {
    const auto at = probe(hash, i, bits);
    filter.bits[at / 64] |= std::uint64_t{1} << (at % 64);
  }
  ++filter.count;
}

std::string LoopGuard::check_page(const std::vector<std::string>& identifiers,
                                  const std::string& next_token) {
  ++pages_;
  // Pages of one or two identifiers are left to the token and page-limit
  // guards: for them a false positive would be likely enough to matter.
  bool all_seen = identifiers.size() >= 3;
  for (const auto& identifier : identifiers) {
    const auto hash = hash_of(identifier);
    if (!maybe_seen(hash)) {
      all_seen = false;
      add(hash);
    }
  }
  if (all_seen) {
    return "the repository sent a page whose " + std::to_string(identifiers.size()) +
           " identifiers were all sent before in this list (a resumption-token loop)";
  }
  if (!next_token.empty() && !tokens_.insert(hash_of(next_token)).second) {
    return "the repository sent the resumption token '" + next_token +
           "' a second time in this list (a loop)";
  }
  if (!next_token.empty() && pages_ >= max_pages_) {
    return "the list reached the page limit (" + std::to_string(max_pages_) + " pages)";
  }
  return {};
}

}  // namespace harvester
