#include "provider/record_writer.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>

#include "oai/identifier.h"
#include "oai/namespaces.h"
#include "oai/set_spec.h"
#include "oai/xml_subtree.h"
#include "oai/xml_text.h"
#include "provider/xml_out.h"

namespace provider {
namespace {

using oai::XmlContext;

// One attribute (namespace declarations included) of a serialised start
// tag. Views into the tag; the value stays escaped as it is in the text.
struct Attribute {
  std::string_view name;
  std::string_view value;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_namespace_declaration(std::string_view name) {
  return name == "xmlns" || name.substr(0, 6) == "xmlns:";
}

// The start tag at the beginning of `xml`: its element name, and each
// attribute given to `visit` in order. Returns where the text after the name
// and attributes begins ("/>" or ">"), or npos when there is no well-formed
// start tag there. Allocates nothing: it runs for every record served.
template <typename Visit>
std::size_t scan_start_tag(std::string_view xml, std::string_view& name, Visit&& visit) {
  if (xml.empty() || xml[0] != '<') return std::string_view::npos;
  std::size_t at = 1;
  while (at < xml.size() && xml[at] != '>' && xml[at] != '/' && !is_space(xml[at])) ++at;
  name = xml.substr(1, at - 1);
  while (true) {
    while (at < xml.size() && is_space(xml[at])) ++at;
    if (at >= xml.size()) return std::string_view::npos;
    if (xml[at] == '>' || xml[at] == '/') return at;
    const auto equals = xml.find('=', at);
    if (equals == std::string_view::npos || equals + 1 >= xml.size()) return std::string_view::npos;
    const char quote = xml[equals + 1];
    if (quote != '"' && quote != '\'') return std::string_view::npos;
    const auto close = xml.find(quote, equals + 2);
    if (close == std::string_view::npos) return std::string_view::npos;
    visit(Attribute{xml.substr(at, equals - at), xml.substr(equals + 2, close - equals - 2)});
    at = close + 1;
  }
}

void append_attribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  out += value;
  out += '"';
}

// `payload` as it may be served: what the harvester stored is clean, but
// someone editing the store may not be. Reuses a thread's buffer: no
// allocation per record.
std::string_view clean_payload(std::string_view payload) {
  if (is_clean_xml_text(payload)) return payload;
  thread_local std::string cleaned;
  cleaned.assign(payload);
  oai::remove_illegal_xml_chars(cleaned);
  return cleaned;
}

// The escaped value `namespace schema` of xsi:schemaLocation: the same for
// every record of a page, so kept a thread from one record to the next.
const std::string& schema_location_value(std::string_view namespace_uri,
                                         std::string_view schema_url) {
  thread_local std::string location_namespace, location_schema, location_value;
  if (location_namespace != namespace_uri || location_schema != schema_url) {
    location_namespace.assign(namespace_uri);
    location_schema.assign(schema_url);
    const std::string location = location_namespace + " " + location_schema;
    location_value.clear();
    append_escaped(location_value, location, XmlContext::kAttribute);
  }
  return location_value;
}

// `payload`, cleaned of characters illegal in XML, with xmlns:xsi and
// xsi:schemaLocation on its root element (see payload_with_schema_location).
void append_payload_with_schema_location(std::string& out, std::string_view payload,
                                         std::string_view namespace_uri,
                                         std::string_view schema_url) {
  const std::string_view xml = clean_payload(payload);
  std::string_view name;
  std::string_view xsi_prefix;
  bool xsi_name_taken = false;
  const std::size_t end = scan_start_tag(xml, name, [&](const Attribute& attribute) {
    if (!is_namespace_declaration(attribute.name)) return;
    if (attribute.value == oai::kXsiNamespace && attribute.name.size() > 6) {
      xsi_prefix = attribute.name.substr(6);
    }
    if (attribute.name == "xmlns:xsi") xsi_name_taken = true;
  });
  if (end == std::string_view::npos || namespace_uri.empty() || schema_url.empty()) {
    out += xml;
    return;
  }
  const bool add_namespace = xsi_prefix.empty();
  if (add_namespace) xsi_prefix = xsi_name_taken ? "xsi0" : "xsi";
  thread_local std::string location_name;
  location_name.assign(xsi_prefix).append(":schemaLocation");
  const std::string& location_value = schema_location_value(namespace_uri, schema_url);
  // Namespace declarations first, then the other attributes, in their order.
  out += '<';
  out += name;
  scan_start_tag(xml, name, [&](const Attribute& attribute) {
    if (is_namespace_declaration(attribute.name)) {
      append_attribute(out, attribute.name, attribute.value);
    }
  });
  if (add_namespace) {
    out += " xmlns:";
    out += xsi_prefix;
    out += "=\"";
    out += oai::kXsiNamespace;
    out += '"';
  }
  bool placed = false;
  scan_start_tag(xml, name, [&](const Attribute& attribute) {
    if (is_namespace_declaration(attribute.name)) return;
    const bool location = attribute.name == location_name;
    append_attribute(out, attribute.name,
                     location ? std::string_view(location_value) : attribute.value);
    placed = placed || location;
  });
  if (!placed) append_attribute(out, location_name, location_value);
  out += xml.substr(end);
}

using XmlDocPtr = std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)>;

// The upstream about parts: the originDescriptions of its provenance blocks
// (to nest in ours, AG-6) and every other part, each serialised alone.
void split_about(const std::string& about, std::string& origins, std::vector<std::string>& others) {
  const std::string wrapped = "<about>" + about + "</about>";
  XmlDocPtr doc(xmlReadMemory(wrapped.data(), static_cast<int>(wrapped.size()), nullptr, "UTF-8",
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
                &xmlFreeDoc);
  if (!doc) return;  // cannot happen for what the harvester stores; serve no upstream about then
  for (xmlNode* part = xmlDocGetRootElement(doc.get())->children; part != nullptr;
       part = part->next) {
    if (part->type != XML_ELEMENT_NODE) continue;
    const bool provenance =
        part->ns != nullptr &&
        std::string_view(reinterpret_cast<const char*>(part->ns->href)) ==
            oai::kProvenanceNamespace &&
        std::string_view(reinterpret_cast<const char*>(part->name)) == "provenance";
    if (!provenance) {
      others.push_back(oai::serialize_subtree(part));
      continue;
    }
    for (xmlNode* origin = part->children; origin != nullptr; origin = origin->next) {
      if (origin->type == XML_ELEMENT_NODE) origins += oai::serialize_subtree(origin);
    }
  }
}

void append_about(std::string& out, const store::ServedRecord& record,
                  const RecordContext& context) {
  std::string nested;
  std::vector<std::string> others;
  if (!record.about.empty()) split_about(record.about, nested, others);
  out += "<about>";
  append_schema_root(out, "provenance", oai::kProvenanceNamespace, oai::kProvenanceSchema);
  out += "<originDescription harvestDate=\"";
  append_escaped(out, record.harvest_date, XmlContext::kAttribute);
  out += "\" altered=\"false\">";
  append_element(out, "baseURL", record.upstream_base_url);
  append_element(out, "identifier", record.upstream_identifier);
  append_element(out, "datestamp", record.upstream_datestamp);
  append_element(
      out, "metadataNamespace",
      record.metadata_namespace.empty() ? context.format_namespace : record.metadata_namespace);
  out += nested;
  out += "</originDescription></provenance></about>";
  for (const auto& other : others) {
    out += "<about>";
    out += other;
    out += "</about>";
  }
}

// Which bytes oai::escape_local_identifier() keeps as they are: RFC 2396's
// uric characters but '%' (OI-2).
struct KeptBytes {
  constexpr KeptBytes() {
    for (int c = 'a'; c <= 'z'; ++c) kept[c] = kept[c - 'a' + 'A'] = true;
    for (int c = '0'; c <= '9'; ++c) kept[c] = true;
    for (const char c : std::string_view("-_.!~*'();/?:@&=+$,"))
      kept[static_cast<unsigned char>(c)] = true;
  }
  bool kept[256] = {};
};
constexpr KeptBytes kKept;

// Appends oai::escape_local_identifier(identifier): as it is when nothing
// in it needs escaping, as most identifiers do not.
void append_local_identifier(std::string& out, std::string_view identifier) {
  for (const char c : identifier) {
    if (!kKept.kept[static_cast<unsigned char>(c)]) {
      out += oai::escape_local_identifier(identifier);
      return;
    }
  }
  out += identifier;
}

}  // namespace

std::string our_identifier(std::string_view repository_identifier, std::string_view source,
                           std::string_view upstream_identifier) {
  std::string identifier = "oai:";
  identifier += repository_identifier;
  identifier += ':';
  identifier += source;
  identifier += '/';
  identifier += oai::escape_local_identifier(upstream_identifier);
  return identifier;
}

std::optional<ItemKey> parse_our_identifier(std::string_view repository_identifier,
                                            std::string_view identifier) {
  const std::string prefix = "oai:" + std::string(repository_identifier) + ":";
  if (identifier.substr(0, prefix.size()) != prefix) return std::nullopt;
  const auto local = identifier.substr(prefix.size());
  const auto slash = local.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  auto upstream = oai::unescape_local_identifier(local.substr(slash + 1));
  if (!upstream || upstream->empty()) return std::nullopt;
  return ItemKey{std::string(local.substr(0, slash)), std::move(*upstream)};
}

std::vector<std::string> our_set_specs(const store::ServedRecord& record) {
  std::vector<std::string> specs;
  for (const auto& upstream : record.set_specs) {
    const std::string ours = record.source + ":" + upstream;
    if (oai::is_valid_set_spec(ours)) specs.push_back(ours);
  }
  if (specs.empty()) specs.push_back(record.source);
  return specs;
}

std::string payload_with_schema_location(std::string_view payload, std::string_view namespace_uri,
                                         std::string_view schema_url) {
  std::string out;
  append_payload_with_schema_location(out, payload, namespace_uri, schema_url);
  return out;
}

void append_header(std::string& out, const store::ServedRecord& record,
                   const RecordContext& context) {
  out += record.deleted ? "<header status=\"deleted\">" : "<header>";
  // What our_identifier() and our_set_specs() give, without their strings
  // and vector: this runs for every record of every page.
  thread_local std::string text;
  text.assign("oai:").append(context.repository_identifier).append(":").append(record.source);
  text += '/';
  append_local_identifier(text, record.upstream_identifier);
  append_element(out, "identifier", text);
  append_element(out, "datestamp", record.datestamp);
  bool any_set = false;
  for (const auto& upstream : record.set_specs) {
    text.assign(record.source).append(":").append(upstream);
    if (!oai::is_valid_set_spec(text)) continue;
    append_element(out, "setSpec", text);
    any_set = true;
  }
  if (!any_set) append_element(out, "setSpec", record.source);
  out += "</header>";
}

void append_record(std::string& out, const store::ServedRecord& record,
                   const RecordContext& context) {
  out += "<record>";
  append_header(out, record, context);
  if (!record.deleted) {
    out += "<metadata>";
    append_payload_with_schema_location(out, record.metadata, context.format_namespace,
                                        context.schema_url);
    out += "</metadata>";
    append_about(out, record, context);
  }
  out += "</record>";
}

}  // namespace provider
