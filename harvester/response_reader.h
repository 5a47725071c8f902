// Reading one OAI-PMH response: libxml2's streaming xmlTextReader, one
// element of the list at a time, namespaces matched by URI.
#ifndef HARVESTER_RESPONSE_READER_H_
#define HARVESTER_RESPONSE_READER_H_

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harvester/harvest_error.h"
#include "oai/protocol.h"
#include "store/store.h"

namespace harvester {

// The response is not an OAI-PMH document: not XML, not well-formed, a DTD,
// the wrong root element, no responseDate. `byte_offset` says where, when known.
class ResponseError : public HarvestError {
 public:
  ResponseError(const std::string& message, std::int64_t byte_offset = -1)
      : HarvestError(message), byte_offset_(byte_offset) {}
  std::int64_t byte_offset() const { return byte_offset_; }

 private:
  std::int64_t byte_offset_;  // -1 when unknown
};

// A `<resumptionToken>` element, present on every page of a partitioned list.
struct ResumptionToken {
  std::string value;  // white space around it removed; empty on the last page
  std::optional<std::string> expiration_date;
  std::optional<std::int64_t> complete_list_size;
  std::optional<std::int64_t> cursor;
};

// A record (or header) of the list that could not be read: kept raw for the
// quarantine while the rest of the page goes on.
struct RejectedRecord {
  std::string reason;
  std::string raw;  // the record element, serialised
};

// Everything one response says. Only the parts of its verb are filled.
struct Response {
  std::string verb;           // the element after <request>, or empty for errors
  std::string response_date;  // as received
  std::vector<oai::OaiError> errors;
  std::optional<store::IdentifyFacts> identify;
  std::vector<store::MetadataFormat> formats;  // ListMetadataFormats
  std::vector<store::SetInfo> sets;            // ListSets
  std::vector<store::HarvestedRecord>
      records;  // ListRecords, GetRecord, ListIdentifiers (headers only)
  std::vector<RejectedRecord> rejected;
  std::optional<ResumptionToken> resumption_token;
  std::size_t illegal_characters_removed = 0;  // from the raw bytes, before parsing
};

// The most XML nodes (elements, attributes, text, comments) one record, or
// any other element read whole, may have. Parsed, a node takes about 150
// bytes, so this bounds one record's tree to about 40 MB however it is
// written (a record of empty elements has a node every four bytes); real
// records have hundreds to a few thousand.
inline constexpr std::int64_t kMaxExpandedNodes = 250'000;

// Reads `body`, the bytes of one response (not copied unless characters
// must be removed). `http_charset` is the charset of
// the HTTP Content-Type, used only when the document declares no encoding and
// has no byte-order mark (then UTF-8). Characters illegal in XML 1.0 (raw or
// as character references) are removed and counted first. No DTD is allowed,
// no entity is expanded and nothing is loaded from disk or network. Throws
// ResponseError when the body is not an OAI-PMH response, or when a record
// (or Identify, or an error) has more than `max_expanded_nodes` nodes.
Response read_response(std::string_view body, std::string_view http_charset = "",
                       std::int64_t max_expanded_nodes = kMaxExpandedNodes);

}  // namespace harvester

#endif  // HARVESTER_RESPONSE_READER_H_
