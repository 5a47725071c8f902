// Writing records as our repository serves them: our identifiers, our
// datestamps, sets below each source, payloads with their schemaLocation, and
// a provenance block for every record (AG-1 to AG-8).
#ifndef PROVIDER_RECORD_WRITER_H_
#define PROVIDER_RECORD_WRITER_H_

#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"

namespace provider {

// An item of our repository: the source it came from and its identifier there.
struct ItemKey {
  std::string source;
  std::string upstream_identifier;
};

// Our identifier of an item: `oai:<repository identifier>:<source>/<upstream
// identifier, escaped>` (AG-3, OI-1, OI-2).
std::string our_identifier(std::string_view repository_identifier, std::string_view source,
                           std::string_view upstream_identifier);

// The item an identifier of ours names, or nullopt when it is not one of ours
// (idDoesNotExist, E-5).
std::optional<ItemKey> parse_our_identifier(std::string_view repository_identifier,
                                            std::string_view identifier);

// The setSpecs of a record's header: `<source>:<upstream setSpec>` for each
// upstream set whose spec is valid, or just `<source>` when there is none
// (S-4: only the minimal setSpecs, since `a:b` implies `a`).
std::vector<std::string> our_set_specs(const store::ServedRecord& record);

// `payload` (one element, its namespaces declared on it) with xmlns:xsi and
// xsi:schemaLocation="<namespace> <schema_url>" on its root element,
// replacing any schemaLocation it had, and without characters illegal in XML.
std::string payload_with_schema_location(std::string_view payload, std::string_view namespace_uri,
                                         std::string_view schema_url);

struct RecordContext {
  std::string repository_identifier;
  std::string metadata_prefix;
  std::string schema_url;        // what ListMetadataFormats gives for the prefix
  std::string format_namespace;  // likewise
};

// Appends `<header>` of the record (status="deleted" for tombstones, DR-6).
void append_header(std::string& out, const store::ServedRecord& record,
                   const RecordContext& context);

// Appends `<record>`: the header, the metadata unless deleted, and the about
// parts (our provenance, nesting the upstream's, AG-4 to AG-6, and the other
// upstream about parts).
void append_record(std::string& out, const store::ServedRecord& record,
                   const RecordContext& context);

}  // namespace provider

#endif  // PROVIDER_RECORD_WRITER_H_
