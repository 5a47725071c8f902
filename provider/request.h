// A provider request: decoding its form text and checking its arguments against
// the verb's rules (H-3 to H-5, V-*), before any repository state is
// consulted (E-11).
#ifndef PROVIDER_REQUEST_H_
#define PROVIDER_REQUEST_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "oai/protocol.h"

namespace provider {

// Decoded key=value pairs of a request, in order, repeated keys kept.
using RawArguments = std::vector<std::pair<std::string, std::string>>;

// Parses application/x-www-form-urlencoded text (a GET query string or a POST
// body): '&'-separated pairs, each key=value, percent-decoded exactly once, '+'
// decoded as space (H-3, OI-4). An empty text gives no pairs; empty segments
// ("a=1&&b=2") are skipped. A pair without '=' is a key with an empty value; only
// the first '=' separates. Returns nullopt when a '%' is not followed by two hex
// digits, or a decoded key or value is not valid UTF-8 (overlong forms and
// encoded surrogates included).
std::optional<RawArguments> parse_form(std::string_view text);

// A request whose arguments are all allowed, present when required, and
// syntactically valid for its verb. Absent arguments are nullopt.
struct OaiRequest {
  oai::Verb verb;
  std::optional<std::string> identifier;
  std::optional<std::string> metadata_prefix;
  std::optional<std::string> from;              // a valid datestamp, same form as until (D-5)
  std::optional<std::string> until;             // a valid datestamp, not before from (D-6)
  std::optional<std::string> set;               // a valid setSpec (S-2)
  std::optional<std::string> resumption_token;  // then the only argument

  friend bool operator==(const OaiRequest&, const OaiRequest&) = default;
};

// Checks the arguments against the verb's rules. The result is either the
// request or the errors to send: badVerb alone (missing, repeated, unknown or
// wrong-case verb, H-4; nothing else is checked then, E-11) or one badArgument
// per problem found (E-10), in the order of the arguments: an argument not
// defined for the verb, a missing required argument, any argument repeated even
// with equal values, resumptionToken with anything but verb, an empty
// value, a value holding characters XML cannot carry (NUL, other control
// characters, U+FFFE, U+FFFF: no response could echo it), from/until not one of the two datestamp
// forms (D-7), from and until of different granularities (D-5), from later than until (D-6; equal
// is legal), a metadataPrefix that is not [A-Za-z0-9-_.!~*'()]+ (G-4), a set that is not a valid
// setSpec (S-2). Identifier and resumptionToken contents are NOT checked here (an illegal
// identifier is idDoesNotExist, E-5; a bad token is badResumptionToken, R-5). Our repository has
// seconds granularity, so both forms are acceptable for from/until (D-2, D-3).
std::variant<OaiRequest, std::vector<oai::OaiError>> validate_arguments(
    const RawArguments& arguments);

}  // namespace provider

#endif  // PROVIDER_REQUEST_H_
