// resumptionTokens into provider::TokenCodec::decode, which must never throw
// and accept only what encode() made.
//
// A fuzzer cannot forge HMAC-SHA256, so raw inputs alone would never get past
// the signature check. The first byte therefore picks the mode:
//   even: the rest is a token, as a client would send it;
//   odd:  the rest is a payload, which this harness encodes and signs with
//         the codec's key, so the payload parser behind the check is fuzzed.
// A token that decodes must encode again to one that decodes to the same state.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "provider/resumption_token.h"

namespace {

constexpr std::string_view kKey = "fuzzing key, 32 bytes long......";
constexpr std::int64_t kNow = 1'700'000'000;  // tokens expiring later are live

// A broken promise: abort, so libFuzzer keeps the input.
void check(bool condition) {
  if (!condition) __builtin_trap();
}

// RFC 4648 §5 without padding, written here independently of the codec's.
std::string base64url(std::string_view bytes) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group =
        static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
        static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
        static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(group >> shift) & 0x3F];
  }
  const std::size_t left = bytes.size() - i;
  if (left > 0) {
    std::uint32_t group = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (left == 2)
      group |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[(group >> 18) & 0x3F];
    out += kAlphabet[(group >> 12) & 0x3F];
    if (left == 2) out += kAlphabet[(group >> 6) & 0x3F];
  }
  return out;
}

// The token the codec would make of `payload`: "1." payload "." signature.
std::string signed_token(std::string_view payload) {
  std::string token = "1." + base64url(payload);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), kKey.data(), static_cast<int>(kKey.size()),
       reinterpret_cast<const unsigned char*>(token.data()), token.size(), mac.data(), &length);
  token += '.';
  token += base64url(std::string_view(reinterpret_cast<const char*>(mac.data()), length));
  return token;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const provider::TokenCodec codec{std::string(kKey)};
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string token = data[0] % 2 == 0 ? std::string(rest) : signed_token(rest);
  const std::optional<provider::TokenState> state = codec.decode(token, kNow);
  if (!state) return 0;
  check(state->expires_at > kNow);
  check(state->verb == oai::Verb::kListRecords || state->verb == oai::Verb::kListIdentifiers ||
        state->verb == oai::Verb::kListSets);
  check(codec.decode(codec.encode(*state), kNow) == state);
  return 0;
}
