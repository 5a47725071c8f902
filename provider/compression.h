// Content codings for provider responses (H-8): which one a client accepts,
// and zlib to produce it.
#ifndef PROVIDER_COMPRESSION_H_
#define PROVIDER_COMPRESSION_H_

#include <optional>
#include <string>
#include <string_view>

namespace provider {

// Picks the content coding for a response from the value of the request's
// Accept-Encoding header (RFC 9110 §12.5.3): "gzip", "deflate", or "" for
// identity. Codings are case-insensitive, `x-gzip` means gzip, `;q=0` means
// "not acceptable", `*` stands for every coding not named. The highest q
// wins; on a tie gzip beats deflate beats identity. Identity is acceptable,
// at the lowest preference, unless excluded by `identity;q=0` or by `*;q=0`
// without an `identity` entry. An element with a malformed q-value is
// ignored. An empty value means identity only.
//
// Returns nullopt when nothing we offer is acceptable (identity excluded and
// neither gzip nor deflate allowed). A request without the header at all
// should not call this: it gets identity (H-8).
std::optional<std::string> choose_encoding(std::string_view accept_encoding);

// `data` in the gzip format (RFC 1952). Throws std::runtime_error if zlib
// fails (out of memory).
std::string gzip_compress(std::string_view data);

// `data` in the zlib format (RFC 1950), which is what HTTP's "deflate" means
// (RFC 9110 §8.4.1.2), not raw deflate. Throws like gzip_compress.
std::string deflate_compress(std::string_view data);

// `data` compressed with `encoding`, one of choose_encoding's results; ""
// returns `data` unchanged. Throws std::invalid_argument for other names.
std::string compress(std::string_view data, std::string_view encoding);

}  // namespace provider

#endif  // PROVIDER_COMPRESSION_H_
