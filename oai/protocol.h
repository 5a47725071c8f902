// The words of the protocol both sides speak: the six verbs and the error
// codes, and one <error> of a response.
#ifndef OAI_PROTOCOL_H_
#define OAI_PROTOCOL_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace oai {

// The six verbs (V-*).
enum class Verb {
  kGetRecord,
  kIdentify,
  kListIdentifiers,
  kListMetadataFormats,
  kListRecords,
  kListSets
};

// The protocol name of `verb`, e.g. "ListRecords".
std::string_view to_string(Verb verb);

// The verb named exactly `name` (case-sensitive, H-4); nullopt for anything else.
std::optional<Verb> parse_verb(std::string_view name);

// The error codes of OAI-PMH 2.0 (E-1 to E-8).
enum class ErrorCode {
  kBadArgument,
  kBadResumptionToken,
  kBadVerb,
  kCannotDisseminateFormat,
  kIdDoesNotExist,
  kNoRecordsMatch,
  kNoMetadataFormats,
  kNoSetHierarchy
};

// The code as the protocol writes it, e.g. "badArgument".
std::string_view to_string(ErrorCode code);

// One <error> of a response: its code and a message for people. The code is
// text because a repository may send one the protocol does not define (the
// harvester reports it as received); ours are always one of ErrorCode.
struct OaiError {
  std::string code;
  std::string message;

  OaiError() = default;
  OaiError(std::string code_text, std::string message_text)
      : code(std::move(code_text)), message(std::move(message_text)) {}
  OaiError(ErrorCode error_code, std::string message_text)
      : code(to_string(error_code)), message(std::move(message_text)) {}

  bool is(ErrorCode error_code) const { return code == to_string(error_code); }

  friend bool operator==(const OaiError&, const OaiError&) = default;
};

}  // namespace oai

#endif  // OAI_PROTOCOL_H_
