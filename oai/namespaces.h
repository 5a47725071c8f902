// The namespace URIs and schema locations of OAI-PMH 2.0 and its companions.
#ifndef OAI_NAMESPACES_H_
#define OAI_NAMESPACES_H_

namespace oai {

inline constexpr char kOaiPmhNamespace[] = "http://www.openarchives.org/OAI/2.0/";
inline constexpr char kOaiPmhSchema[] = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd";
inline constexpr char kOaiDcNamespace[] = "http://www.openarchives.org/OAI/2.0/oai_dc/";
inline constexpr char kOaiDcSchema[] = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd";
inline constexpr char kDcNamespace[] = "http://purl.org/dc/elements/1.1/";
inline constexpr char kXsiNamespace[] = "http://www.w3.org/2001/XMLSchema-instance";
inline constexpr char kXmlNamespace[] = "http://www.w3.org/XML/1998/namespace";
inline constexpr char kProvenanceNamespace[] = "http://www.openarchives.org/OAI/2.0/provenance";
inline constexpr char kProvenanceSchema[] = "http://www.openarchives.org/OAI/2.0/provenance.xsd";
inline constexpr char kOaiIdentifierNamespace[] =
    "http://www.openarchives.org/OAI/2.0/oai-identifier";
inline constexpr char kOaiIdentifierSchema[] =
    "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd";
inline constexpr char kFriendsNamespace[] = "http://www.openarchives.org/OAI/2.0/friends/";
inline constexpr char kFriendsSchema[] = "http://www.openarchives.org/OAI/2.0/friends.xsd";

// The fifteen elements of Dublin Core 1.1 that oai_dc allows (DC-1).
inline constexpr const char* kDcElements[] = {
    "title",  "creator",    "subject", "description", "publisher", "contributor", "date",  "type",
    "format", "identifier", "source",  "language",    "relation",  "coverage",    "rights"};

}  // namespace oai

#endif  // OAI_NAMESPACES_H_
