#include "provider/compression.h"

#include <libdeflate.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace provider {
namespace {

// q-values in thousandths: "0.5" is 500, "1" is 1000 (RFC 9110 §12.4.2
// allows at most three decimals).
constexpr int kQualityOne = 1000;

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ); nullopt if
// `text` is not one.
std::optional<int> parse_qvalue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  const int whole = text[0] - '0';
  if (text.size() == 1) return whole * kQualityOne;
  if (text[1] != '.' || text.size() > 5) return std::nullopt;
  int thousandths = 0;
  int scale = 100;
  for (char c : text.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    thousandths += (c - '0') * scale;
    scale /= 10;
  }
  if (whole == 1 && thousandths != 0) return std::nullopt;
  return whole * kQualityOne + thousandths;
}

struct CodingWeight {
  std::string coding;  // lower case; "x-gzip" already mapped to "gzip"
  int quality;         // thousandths
};

// One list element, "gzip;q=0.5"; nullopt if its q-value is malformed.
// Parameters other than q are ignored.
std::optional<CodingWeight> parse_element(std::string_view element) {
  const auto semicolon = element.find(';');
  CodingWeight weight{lower(trim(element.substr(0, semicolon))), kQualityOne};
  if (weight.coding == "x-gzip") weight.coding = "gzip";
  std::string_view rest =
      semicolon == std::string_view::npos ? std::string_view{} : element.substr(semicolon + 1);
  while (!rest.empty()) {
    const auto next = rest.find(';');
    const std::string_view param = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    const auto equals = param.find('=');
    if (equals == std::string_view::npos || lower(trim(param.substr(0, equals))) != "q") continue;
    const auto quality = parse_qvalue(trim(param.substr(equals + 1)));
    if (!quality) return std::nullopt;
    weight.quality = *quality;
  }
  return weight;
}

std::vector<CodingWeight> parse_accept_encoding(std::string_view value) {
  std::vector<CodingWeight> weights;
  while (!value.empty()) {
    const auto comma = value.find(',');
    const std::string_view element = trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    if (element.empty()) continue;  // RFC 9110 §5.6.1: empty list elements are allowed
    if (auto weight = parse_element(element); weight && !weight->coding.empty()) {
      weights.push_back(std::move(*weight));
    }
  }
  return weights;
}

// The first entry naming `coding`: a repeated coding is a client bug, and the
// first is as good a reading as any.
const CodingWeight* find(const std::vector<CodingWeight>& weights, std::string_view coding) {
  for (const auto& w : weights) {
    if (w.coding == coding) return &w;
  }
  return nullptr;
}

// libdeflate level 1. On a ListRecords page of 100 synthetic records
// (226 KB, 7:1 compressible) it takes 0.68 ms and gives 29.7 KB, where zlib
// at level 1 took 1.76 ms for 32.5 KB and at level 6 (its default) 4.2 ms for
// 25.3 KB; libdeflate's level 6 gives 25.5 KB in 2.4 ms. The CPU a page
// costs matters more than its size here: zlib was 6.2M of a gzip page's 8.6M
// instructions, and each event loop answers its connections in turn.
constexpr int kCompressionLevel = 1;

// One compressor per thread (libdeflate compresses a whole body in one call),
// with an output buffer reused between bodies.
class Compressor {
 public:
  Compressor() : compressor_(libdeflate_alloc_compressor(kCompressionLevel)) {
    if (compressor_ == nullptr)
      throw std::runtime_error("libdeflate: cannot allocate a compressor");
  }
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;
  ~Compressor() { libdeflate_free_compressor(compressor_); }

  std::string gzip(std::string_view data) {
    return compress(data, libdeflate_gzip_compress_bound, libdeflate_gzip_compress);
  }
  // HTTP's "deflate" is the zlib format (RFC 9110 §8.4.1.2).
  std::string zlib(std::string_view data) {
    return compress(data, libdeflate_zlib_compress_bound, libdeflate_zlib_compress);
  }

 private:
  using Bound = std::size_t (*)(libdeflate_compressor*, std::size_t);
  using Compress = std::size_t (*)(libdeflate_compressor*, const void*, std::size_t, void*,
                                   std::size_t);

  // Compressed into the buffer, sized for the worst case, then copied out: a
  // fresh 230 KB string a page would be zero-filled, allocated and freed for
  // the 30 KB actually written.
  std::string compress(std::string_view data, Bound bound, Compress run) {
    const std::size_t limit = bound(compressor_, data.size());
    if (buffer_.size() < limit) buffer_.resize(limit);
    const std::size_t produced = run(compressor_, data.data(), data.size(), buffer_.data(), limit);
    if (produced == 0) throw std::runtime_error("libdeflate: the output exceeded its bound");
    std::string out(buffer_.data(), produced);
    if (buffer_.size() > kKeptBufferBytes) {
      buffer_.clear();
      buffer_.shrink_to_fit();  // a huge body's buffer is not kept
    }
    return out;
  }

  static constexpr std::size_t kKeptBufferBytes = 4 << 20;
  libdeflate_compressor* compressor_;
  std::vector<char> buffer_;  // the output, reused
};

Compressor& compressor() {
  thread_local Compressor compressor;
  return compressor;
}

}  // namespace

std::optional<std::string> choose_encoding(std::string_view accept_encoding) {
  const std::vector<CodingWeight> weights = parse_accept_encoding(accept_encoding);
  const CodingWeight* star = find(weights, "*");
  struct Candidate {
    const char* name;
    int quality;
    bool acceptable;
  };
  // Listed in tie-break order: the first of equal quality wins.
  std::array<Candidate, 3> candidates{{{"gzip", 0, false}, {"deflate", 0, false}, {"", 0, false}}};
  for (auto& candidate : candidates) {
    const bool identity = candidate.name[0] == '\0';
    const CodingWeight* named = find(weights, identity ? "identity" : candidate.name);
    if (const CodingWeight* rule = named ? named : star) {
      candidate.quality = rule->quality;
      candidate.acceptable = rule->quality > 0;
    } else {
      // Unnamed: identity stays acceptable as the last resort, others are not.
      candidate.acceptable = identity;
    }
  }
  const Candidate* best = nullptr;
  for (const auto& candidate : candidates) {
    if (candidate.acceptable && (!best || candidate.quality > best->quality)) best = &candidate;
  }
  if (!best) return std::nullopt;
  return std::string(best->name);
}

std::string gzip_compress(std::string_view data) { return compressor().gzip(data); }

std::string deflate_compress(std::string_view data) { return compressor().zlib(data); }

std::string compress(std::string_view data, std::string_view encoding) {
  if (encoding.empty()) return std::string(data);
  if (encoding == "gzip") return gzip_compress(data);
  if (encoding == "deflate") return deflate_compress(data);
  throw std::invalid_argument("unsupported content coding: " + std::string(encoding));
}

}  // namespace provider
