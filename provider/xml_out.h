// Small pieces of XML output shared by the provider's writers.
#ifndef PROVIDER_XML_OUT_H_
#define PROVIDER_XML_OUT_H_

#include <string>
#include <string_view>

#include "oai/namespaces.h"
#include "oai/xml_text.h"

namespace provider {

// Whether `text` is well-formed UTF-8 made of XML 1.0 characters only, so
// that oai::remove_illegal_xml_chars() would leave it unchanged. Looks at
// eight ASCII bytes at a time: every payload served goes through it.
bool is_clean_xml_text(std::string_view text);

// oai::append_xml_escaped(), faster for the short ASCII texts of headers
// (identifiers, datestamps, setSpecs, URLs) that need no escaping.
void append_escaped(std::string& out, std::string_view text,
                    oai::XmlContext context = oai::XmlContext::kText);

// Appends <name>text</name>, the text escaped and cleaned of characters
// illegal in XML.
inline void append_element(std::string& out, std::string_view name, std::string_view text) {
  out += '<';
  out += name;
  out += '>';
  append_escaped(out, text);
  out += "</";
  out += name;
  out += '>';
}

// Appends the start tag of a container's root element in its own default
// namespace, with xsi:schemaLocation:
// <name xmlns="ns" xmlns:xsi="..." xsi:schemaLocation="ns schema">
inline void append_schema_root(std::string& out, std::string_view name, std::string_view ns,
                               std::string_view schema) {
  out += '<';
  out += name;
  out += " xmlns=\"";
  out += ns;
  out += "\" xmlns:xsi=\"";
  out += oai::kXsiNamespace;
  out += "\" xsi:schemaLocation=\"";
  out += ns;
  out += ' ';
  out += schema;
  out += "\">";
}

}  // namespace provider

#endif  // PROVIDER_XML_OUT_H_
