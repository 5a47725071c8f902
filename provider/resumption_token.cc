#include "provider/resumption_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>
#include <cstddef>
#include <limits>

#include "provider/provider_error.h"

namespace provider {
namespace {

// The only format so far. A new format gets a new prefix, so old tokens fail
// cleanly as badResumptionToken instead of being misread.
constexpr std::string_view kVersionPrefix = "1.";
constexpr std::size_t kMinKeyBytes = 16;
constexpr std::size_t kSignatureBytes = 32;  // SHA-256

constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// ---------------------------------------------------------------- base64url

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kBase64UrlAlphabet[(buffer >> bits) & 0x3F];
    }
    buffer &= (1U << bits) - 1;
  }
  if (bits > 0) out += kBase64UrlAlphabet[(buffer << (6 - bits)) & 0x3F];
  return out;
}

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Strict: only the alphabet, no padding, no length that no byte string
// encodes to, and the unused low bits of the last character must be zero.
// Without that last rule, one signature would have several spellings.
std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int value = base64url_value(c);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(buffer >> bits);
      buffer &= (1U << bits) - 1;
    }
  }
  if (buffer != 0) return std::nullopt;
  return out;
}

// ---------------------------------------------------------------- payload

void put_field(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
}

void put_optional(std::string& out, const std::optional<std::string>& value) {
  if (value) {
    put_field(out, *value);
  } else {
    out += '-';
  }
}

void put_integer(std::string& out, std::int64_t value) { put_field(out, std::to_string(value)); }

// Reads the fields put_*() wrote, in order. Each read returns false on
// anything malformed; the payload is signed, so that means a bug or a forgery
// that also broke the signature check, but decoding must not trust it blindly.
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view payload) : rest_(payload) {}

  bool read(std::string_view& value) {
    const std::size_t colon = rest_.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    const std::string_view digits = rest_.substr(0, colon);
    if (digits.size() > 1 && digits[0] == '0') return false;  // one spelling per length
    std::size_t length = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (error != std::errc() || end != digits.data() + digits.size()) return false;
    if (rest_.size() - colon - 1 < length) return false;
    value = rest_.substr(colon + 1, length);
    rest_.remove_prefix(colon + 1 + length);
    return true;
  }

  bool read(std::string& value) {
    std::string_view view;
    if (!read(view)) return false;
    value = std::string(view);
    return true;
  }

  bool read(std::optional<std::string>& value) {
    if (rest_.starts_with('-')) {
      rest_.remove_prefix(1);
      value.reset();
      return true;
    }
    std::string text;
    if (!read(text)) return false;
    value = std::move(text);
    return true;
  }

  bool read(std::int64_t& value) {
    std::string_view digits;
    if (!read(digits) || digits.empty()) return false;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return error == std::errc() && end == digits.data() + digits.size();
  }

  bool at_end() const { return rest_.empty(); }

 private:
  std::string_view rest_;  // the fields not read yet
};

std::string serialize(const TokenState& state) {
  std::string out;
  put_field(out, to_string(state.verb));
  put_field(out, state.metadata_prefix);
  put_optional(out, state.set);
  put_optional(out, state.from);
  put_field(out, state.until);
  put_field(out, state.last_datestamp);
  put_integer(out, state.last_id);
  put_integer(out, state.cursor);
  put_integer(out, state.complete_list_size);
  put_integer(out, state.expires_at);
  return out;
}

std::optional<TokenState> deserialize(std::string_view payload) {
  PayloadReader reader(payload);
  TokenState state;
  std::string_view verb_name;
  const bool complete =
      reader.read(verb_name) && reader.read(state.metadata_prefix) && reader.read(state.set) &&
      reader.read(state.from) && reader.read(state.until) && reader.read(state.last_datestamp) &&
      reader.read(state.last_id) && reader.read(state.cursor) &&
      reader.read(state.complete_list_size) && reader.read(state.expires_at) && reader.at_end();
  if (!complete) return std::nullopt;
  const std::optional<oai::Verb> verb = oai::parse_verb(verb_name);
  // Only the list verbs have flow control.
  if (verb != oai::Verb::kListRecords && verb != oai::Verb::kListIdentifiers &&
      verb != oai::Verb::kListSets) {
    return std::nullopt;
  }
  state.verb = *verb;
  return state;
}

}  // namespace

TokenCodec::TokenCodec(std::string key) : key_(std::move(key)) {
  if (key_.size() < kMinKeyBytes) {
    throw ProviderError("the resumptionToken key must be at least 16 bytes");
  }
  if (key_.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw ProviderError("the resumptionToken key is too long");  // HMAC() takes an int
  }
}

std::string TokenCodec::sign(std::string_view text) const {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  const unsigned char* result =
      HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
           reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac.data(), &length);
  // A failure gives an empty signature, which no token matches.
  if (result == nullptr || length != kSignatureBytes) return std::string();
  return std::string(reinterpret_cast<const char*>(mac.data()), length);
}

std::string TokenCodec::encode(const TokenState& state) const {
  std::string token(kVersionPrefix);
  token += base64url_encode(serialize(state));
  const std::string signature = sign(token);
  if (signature.empty()) throw ProviderError("cannot compute the resumptionToken HMAC");
  token += '.';
  token += base64url_encode(signature);
  return token;
}

std::optional<TokenState> TokenCodec::decode(std::string_view token, std::int64_t now_unix) const {
  if (!token.starts_with(kVersionPrefix)) return std::nullopt;
  // base64url has no '.', so the last one separates the signature.
  const std::size_t dot = token.rfind('.');
  if (dot < kVersionPrefix.size()) return std::nullopt;
  const std::string_view signed_part = token.substr(0, dot);
  const std::optional<std::string> signature = base64url_decode(token.substr(dot + 1));
  if (!signature || signature->size() != kSignatureBytes) return std::nullopt;
  const std::string expected = sign(signed_part);
  // Constant time, so response timing does not reveal how much of a forgery matched.
  if (expected.size() != kSignatureBytes ||
      CRYPTO_memcmp(expected.data(), signature->data(), kSignatureBytes) != 0) {
    return std::nullopt;
  }
  // Only now is the payload trusted enough to parse.
  const std::optional<std::string> payload =
      base64url_decode(signed_part.substr(kVersionPrefix.size()));
  if (!payload) return std::nullopt;
  std::optional<TokenState> state = deserialize(*payload);
  if (!state || now_unix >= state->expires_at) return std::nullopt;
  return state;
}

}  // namespace provider
