#include "provider/compression.h"

#include <zlib.h>

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

// zlib level 1. On a ListRecords page of 100 synthetic records (228 KB) it
// takes 0.61 ms and gives 16.2 KB; level 2: 0.60 ms, 14.3 KB; 3: 0.64 ms,
// 13.3 KB; 4: 1.0 ms; 6 (zlib's default): 1.3 ms, 9.1 KB. Levels 1-3 share
// zlib's fast matcher; 1 looks least far, so it stays fastest on less
// repetitive text, and the CPU a page costs matters more than its size here.
constexpr int kCompressionLevel = 1;

// One deflate stream per thread and window, reset between bodies: setting a
// stream up allocates about 260 KB, which glibc then maps and unmaps.
class Deflater {
 public:
  explicit Deflater(int window_bits) {
    if (deflateInit2(&stream_, kCompressionLevel, Z_DEFLATED, window_bits, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::runtime_error("zlib: deflateInit2 failed");
    }
  }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;
  ~Deflater() { deflateEnd(&stream_); }

  std::string compress(std::string_view data) {
    if (deflateReset(&stream_) != Z_OK) throw std::runtime_error("zlib: deflateReset failed");
    // Compressed into this stream's buffer, sized for the worst case, then
    // copied out: a fresh 230 KB string a page would be zero-filled,
    // allocated and freed for the 16 KB that deflate actually writes.
    std::size_t produced = 0;
    // Fed in slices because avail_in and avail_out are 32-bit; below 1 GB,
    // one slice and one deflate call.
    constexpr std::size_t kSlice = 1 << 30;
    int status = Z_OK;
    std::size_t offset = 0;
    do {
      const std::size_t slice = std::min(kSlice, data.size() - offset);
      stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + offset));
      stream_.avail_in = static_cast<uInt>(slice);
      offset += slice;
      const int flush = offset == data.size() ? Z_FINISH : Z_NO_FLUSH;
      const std::size_t bound = deflateBound(&stream_, static_cast<uLong>(slice));
      do {
        if (buffer_.size() < produced + bound) buffer_.resize(produced + bound);
        stream_.next_out = reinterpret_cast<Bytef*>(buffer_.data() + produced);
        stream_.avail_out = static_cast<uInt>(bound);
        status = deflate(&stream_, flush);
        produced += bound - stream_.avail_out;
      } while (stream_.avail_out == 0);
    } while (offset < data.size());
    if (status != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
    std::string out(buffer_.data(), produced);
    if (buffer_.size() > kKeptBufferBytes) {
      buffer_.clear();
      buffer_.shrink_to_fit();  // a huge body's buffer is not kept
    }
    return out;
  }

 private:
  static constexpr std::size_t kKeptBufferBytes = 4 << 20;
  z_stream stream_{};
  std::vector<char> buffer_;  // deflate's output, reused
};

std::string zlib_compress(std::string_view data, int window_bits) {
  thread_local Deflater gzip(15 + 16);
  thread_local Deflater zlib(15);
  return (window_bits == 15 ? zlib : gzip).compress(data);
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

std::string gzip_compress(std::string_view data) {
  return zlib_compress(data, 15 + 16);  // +16: gzip header and trailer
}

std::string deflate_compress(std::string_view data) { return zlib_compress(data, 15); }

std::string compress(std::string_view data, std::string_view encoding) {
  if (encoding.empty()) return std::string(data);
  if (encoding == "gzip") return gzip_compress(data);
  if (encoding == "deflate") return deflate_compress(data);
  throw std::invalid_argument("unsupported content coding: " + std::string(encoding));
}

}  // namespace provider
