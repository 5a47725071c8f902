// Stateless resumptionTokens (R-*): the token carries the list's
// arguments and its keyset position, signed so that harvesters cannot forge or
// alter it.
//
// Format, version 1:   "1." base64url(payload) "." base64url(HMAC-SHA256)
// The HMAC covers "1." base64url(payload), so the version is signed too.
// base64url is RFC 4648 §5 without padding. The payload is a sequence of
// fields, each `<decimal byte length>:<bytes>`, in TokenState order: verb name,
// metadata_prefix, set, from, until, last_datestamp, last_id, cursor,
// complete_list_size, expires_at. An absent optional is the single byte `-`
// instead of a field. Integers are written in decimal. Length prefixes make the
// payload unambiguous whatever bytes the fields hold.
#ifndef PROVIDER_RESUMPTION_TOKEN_H_
#define PROVIDER_RESUMPTION_TOKEN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "oai/protocol.h"

namespace provider {

// Everything needed to continue a list: its arguments and the last key served.
struct TokenState {
  oai::Verb verb = oai::Verb::kListRecords;  // kListRecords, kListIdentifiers or kListSets
  std::string metadata_prefix;               // empty for ListSets
  std::optional<std::string> set, from;      // as requested
  std::string until;                         // pinned at the first request, seconds form
  std::string last_datestamp;  // keyset position: (datestamp, id) of the last item served
  std::int64_t last_id = 0;
  std::int64_t cursor = 0;  // items served before the next page
  std::int64_t complete_list_size = 0;
  std::int64_t expires_at = 0;  // unix seconds

  friend bool operator==(const TokenState&, const TokenState&) = default;
};

// Makes and checks tokens with one HMAC key. Every provider process that may
// receive a token must use the same key, and a changed key invalidates every
// outstanding token (harvesters then restart, HV-5).
class TokenCodec {
 public:
  // The HMAC key bytes. Throws ProviderError if shorter than 16 bytes:
  // a short key would let tokens be forged.
  explicit TokenCodec(std::string key);

  // A token of URL-safe characters only ([A-Za-z0-9-_.]), so harvesters need not
  // encode it. The same state always gives the same token. `state.verb` must be
  // kListRecords, kListIdentifiers or kListSets, or decode() will reject the token.
  std::string encode(const TokenState& state) const;

  // The state of a token this codec made, unless it is malformed, truncated,
  // forged (signature checked in constant time), of an unknown format version,
  // or expired: a token is valid while now_unix < expires_at. Never throws,
  // whatever the input.
  std::optional<TokenState> decode(std::string_view token, std::int64_t now_unix) const;

 private:
  // HMAC-SHA256 of `text` under key_.
  std::string sign(std::string_view text) const;

  std::string key_;  // the secret HMAC key, at least 16 bytes
};

}  // namespace provider

#endif  // PROVIDER_RESUMPTION_TOKEN_H_
