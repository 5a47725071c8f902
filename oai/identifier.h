// Identifier syntax: oai-identifiers (OI-*) and metadataPrefix (G-4).
#ifndef OAI_IDENTIFIER_H_
#define OAI_IDENTIFIER_H_

#include <optional>
#include <string>
#include <string_view>

namespace oai {

// Whether `text` is a namespace-identifier: a domain name of at least two
// labels, each `[A-Za-z][A-Za-z0-9-]*` (OI-1). This is what the provider's
// repositoryIdentifier must be.
bool is_valid_repository_identifier(std::string_view text);

// Whether `text` is a local-identifier: one or more characters, each a URI
// reserved or unreserved character, or `%XX` with upper-case hex digits (OI-2).
bool is_valid_local_identifier(std::string_view text);

// Whether `text` is `oai:<namespace-identifier>:<local-identifier>` (OI-1, OI-2).
// Case-sensitive (OI-3).
bool is_valid_oai_identifier(std::string_view text);

// Escapes `text` (any bytes, UTF-8 expected) into a valid local-identifier:
// reserved and unreserved characters stay, everything else becomes `%XX` with
// upper-case hex (OI-2). Every `%` is escaped too, so the escaping can be
// undone exactly: different texts never give the same local-identifier.
std::string escape_local_identifier(std::string_view text);

// The text escape_local_identifier() made `escaped` from, or nullopt when
// `escaped` is not a valid local-identifier.
std::optional<std::string> unescape_local_identifier(std::string_view escaped);

// Whether `text` is a metadataPrefix: `[A-Za-z0-9-_.!~*'()]+` (G-4).
bool is_valid_metadata_prefix(std::string_view text);

}  // namespace oai

#endif  // OAI_IDENTIFIER_H_
