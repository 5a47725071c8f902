// Validation against the XML Schemas bundled in the program, offline.
#ifndef OAI_XML_SCHEMA_H_
#define OAI_XML_SCHEMA_H_

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace oai {

// Makes every libxml2 parser of this process resolve external entities and
// schema imports from the bundled schemas only (schema/xsd/, by the URLs
// they are published under): never a file, never the network; anything else
// is refused. Both the harvester's response reader and schema validation
// call it; calling it again does nothing.
void use_bundled_entities_only();

// The bundled text of the schema published at `url` (the OAI-PMH 2.0 schemas
// under http(s)://www.openarchives.org/OAI/2.0/, simple Dublin Core, W3C's
// xml.xsd under each of its dated URLs), or an empty view when none is bundled.
std::string_view bundled_schema_for_url(std::string_view url);

using XmlDocument = std::unique_ptr<xmlDoc, void (*)(xmlDoc*)>;

// Parses `document` as the validators read it: no network, no entity
// substitution, external entities from the bundled schemas only. Returns
// nullptr when it is not well-formed, and then appends the parser's errors
// ("line N: message") to `errors`.
XmlDocument parse_xml(std::string_view document, std::vector<std::string>& errors);

// One compiled XML Schema. Immutable once built, so one object validates
// from any number of threads at once.
class XmlSchema {
 public:
  // A whole OAI-PMH response with every payload it carries in <metadata>,
  // <about>, <description> or <setDescription> (oai_dc, provenance,
  // oai-identifier, friends, branding): schema/xsd/oai-pmh-response.xsd.
  // Compiled on first use.
  static const XmlSchema& oai_pmh_response();
  // One oai_dc:dc element as a document of its own (oai_dc.xsd).
  static const XmlSchema& oai_dc();

  ~XmlSchema();
  XmlSchema(const XmlSchema&) = delete;
  XmlSchema& operator=(const XmlSchema&) = delete;

  // The reasons `document` is not valid, one line each ("line 12: Element
  // '{...}datestamp': '2024-13-01' is not a valid value ..."); empty when it
  // is valid. A document that is not well-formed gives its parser's errors
  // instead. Never throws for any input; DTDs and external entities are
  // refused (use_bundled_entities_only).
  std::vector<std::string> validate(std::string_view document) const;

  // The same for a document already parsed; `document` is not changed.
  std::vector<std::string> validate(const xmlDoc& document) const;

 private:
  struct Compiled;
  explicit XmlSchema(std::string_view driver_file);
  std::unique_ptr<Compiled> compiled_;  // the libxml2 schema
};

}  // namespace oai

#endif  // OAI_XML_SCHEMA_H_
