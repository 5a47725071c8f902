#include "oai/protocol.h"

#include <array>
#include <utility>

namespace oai {
namespace {

constexpr std::array<std::pair<Verb, std::string_view>, 6> kVerbs = {{
    {Verb::kGetRecord, "GetRecord"},
    {Verb::kIdentify, "Identify"},
    {Verb::kListIdentifiers, "ListIdentifiers"},
    {Verb::kListMetadataFormats, "ListMetadataFormats"},
    {Verb::kListRecords, "ListRecords"},
    {Verb::kListSets, "ListSets"},
}};

constexpr std::array<std::pair<ErrorCode, std::string_view>, 8> kErrorCodes = {{
    {ErrorCode::kBadArgument, "badArgument"},
    {ErrorCode::kBadResumptionToken, "badResumptionToken"},
    {ErrorCode::kBadVerb, "badVerb"},
    {ErrorCode::kCannotDisseminateFormat, "cannotDisseminateFormat"},
    {ErrorCode::kIdDoesNotExist, "idDoesNotExist"},
    {ErrorCode::kNoRecordsMatch, "noRecordsMatch"},
    {ErrorCode::kNoMetadataFormats, "noMetadataFormats"},
    {ErrorCode::kNoSetHierarchy, "noSetHierarchy"},
}};

}  // namespace

std::string_view to_string(Verb verb) {
  for (const auto& [each, name] : kVerbs) {
    if (each == verb) return name;
  }
  return "";  // unreachable for a valid enumerator
}

std::optional<Verb> parse_verb(std::string_view name) {
  for (const auto& [verb, each] : kVerbs) {
    if (each == name) return verb;
  }
  return std::nullopt;
}

std::string_view to_string(ErrorCode code) {
  for (const auto& [each, name] : kErrorCodes) {
    if (each == code) return name;
  }
  return "";  // unreachable for a valid enumerator
}

}  // namespace oai
