// The rules one OAI-PMH response document must satisfy on its own.
#ifndef OAI_RESPONSE_CHECK_H_
#define OAI_RESPONSE_CHECK_H_

#include <string>
#include <string_view>
#include <vector>

namespace oai {

// One rule a response breaks: its id in docs/protocol.md ("X-5", "DR-6")
// and what was seen, in words.
struct ResponseFinding {
  std::string rule;
  std::string message;
};

// Which payloads (the elements inside <metadata>, <about>, <description> and
// <setDescription>) the schema check validates.
enum class PayloadValidation {
  kAll,    // every payload; one in a namespace with no bundled schema fails (our own responses)
  kKnown,  // those in a namespace with a bundled schema; others are not judged
  kNone,   // none: the envelope alone
};

// Checks `document`, the body of one OAI-PMH 2.0 response, against every rule
// that can be judged from the document alone, whatever was asked:
//  - UTF-8, the XML declaration, well-formed, no DTD;
//  - valid against the bundled OAI-PMH schema and, through its strict
//    wildcards, every oai_dc, provenance, oai-identifier, friends and
//    branding payload;
//  - what the schema cannot say: the root's namespace and schemaLocation
//    responseDate's form, no <request> attributes with badVerb
//    or badArgument, the echoed from/until (D-1, D-5, D-6), every
//    datestamp in one of the two forms and one granularity (D-1, D-10),
//    earliestDatestamp in the declared granularity (V-ID-4), expirationDate's
//    form (D-12), deleted records without metadata or about (DR-6), other
//    records with metadata (V-LR-5), oai_dc payloads when oai_dc was asked
//    for (V-LR-9), each declaring its namespaces and schemaLocation on its
//    own root (X-14, DC-2).
// Returns the findings in document order; empty when none. Never throws for
// any input and never touches the network.
// `payloads` says which payloads X-5 covers; the other rules are the same.
std::vector<ResponseFinding> check_response(std::string_view document,
                                            PayloadValidation payloads = PayloadValidation::kAll);

}  // namespace oai

#endif  // OAI_RESPONSE_CHECK_H_
