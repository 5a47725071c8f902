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

// The start tag of a serialised element, split into its parts. Values stay
// escaped as they are in the text.
struct StartTag {
  std::string name;
  std::vector<std::pair<std::string, std::string>> namespaces;  // "xmlns:p" -> URI
  std::vector<std::pair<std::string, std::string>> attributes;
  std::size_t end = 0;  // where the text after the name and attributes begins ("/>" or ">")
};

std::optional<StartTag> parse_start_tag(std::string_view xml) {
  if (xml.empty() || xml[0] != '<') return std::nullopt;
  StartTag tag;
  std::size_t at = 1;
  while (at < xml.size() && xml[at] != ' ' && xml[at] != '>' && xml[at] != '/' &&
         xml[at] != '\t' && xml[at] != '\n' && xml[at] != '\r') {
    ++at;
  }
  tag.name = std::string(xml.substr(1, at - 1));
  while (true) {
    while (at < xml.size() && (xml[at] == ' ' || xml[at] == '\t' || xml[at] == '\n' || xml[at] == '\r')) ++at;
    if (at >= xml.size()) return std::nullopt;
    if (xml[at] == '>' || xml[at] == '/') break;
    const auto equals = xml.find('=', at);
    if (equals == std::string_view::npos || equals + 1 >= xml.size()) return std::nullopt;
    const char quote = xml[equals + 1];
    if (quote != '"' && quote != '\'') return std::nullopt;
    const auto close = xml.find(quote, equals + 2);
    if (close == std::string_view::npos) return std::nullopt;
    std::string name(xml.substr(at, equals - at));
    std::string value(xml.substr(equals + 2, close - equals - 2));
    auto& list = (name == "xmlns" || name.rfind("xmlns:", 0) == 0) ? tag.namespaces : tag.attributes;
    list.emplace_back(std::move(name), std::move(value));
    at = close + 1;
  }
  tag.end = at;
  return tag;
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
  for (xmlNode* part = xmlDocGetRootElement(doc.get())->children; part != nullptr; part = part->next) {
    if (part->type != XML_ELEMENT_NODE) continue;
    const bool provenance = part->ns != nullptr &&
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

void append_about(std::string& out, const store::ServedRecord& record, const RecordContext& context) {
  std::string nested;
  std::vector<std::string> others;
  if (!record.about.empty()) split_about(record.about, nested, others);
  out += "<about>";
  append_schema_root(out, "provenance", oai::kProvenanceNamespace, oai::kProvenanceSchema);
  out += "<originDescription harvestDate=\"";
  oai::append_xml_escaped(out, record.harvest_date, XmlContext::kAttribute);
  out += "\" altered=\"false\">";
  append_element(out, "baseURL", record.upstream_base_url);
  append_element(out, "identifier", record.upstream_identifier);
  append_element(out, "datestamp", record.upstream_datestamp);
  append_element(out, "metadataNamespace",
                 record.metadata_namespace.empty() ? context.format_namespace : record.metadata_namespace);
  out += nested;
  out += "</originDescription></provenance></about>";
  for (const auto& other : others) {
    out += "<about>";
    out += other;
    out += "</about>";
  }
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

std::string payload_with_schema_location(std::string payload, std::string_view namespace_uri,
                                         std::string_view schema_url) {
  oai::remove_illegal_xml_chars(payload);
  auto tag = parse_start_tag(payload);
  if (!tag || namespace_uri.empty() || schema_url.empty()) return payload;
  std::string xsi_prefix;
  bool xsi_name_taken = false;
  for (const auto& [name, value] : tag->namespaces) {
    if (value == oai::kXsiNamespace && name.size() > 6) xsi_prefix = name.substr(6);
    if (name == "xmlns:xsi") xsi_name_taken = true;
  }
  std::string added_namespace;
  if (xsi_prefix.empty()) {
    xsi_prefix = xsi_name_taken ? "xsi0" : "xsi";
    added_namespace = " xmlns:" + xsi_prefix + "=\"" + oai::kXsiNamespace + "\"";
  }
  const std::string location_name = xsi_prefix + ":schemaLocation";
  std::string location = std::string(namespace_uri) + " " + std::string(schema_url);
  std::string rebuilt = "<" + tag->name;
  for (const auto& [name, value] : tag->namespaces) rebuilt += " " + name + "=\"" + value + "\"";
  rebuilt += added_namespace;
  bool placed = false;
  for (const auto& [name, value] : tag->attributes) {
    rebuilt += " " + name + "=\"";
    if (name == location_name) {
      oai::append_xml_escaped(rebuilt, location, XmlContext::kAttribute);
      placed = true;
    } else {
      rebuilt += value;
    }
    rebuilt += '"';
  }
  if (!placed) {
    rebuilt += " " + location_name + "=\"";
    oai::append_xml_escaped(rebuilt, location, XmlContext::kAttribute);
    rebuilt += '"';
  }
  rebuilt.append(payload, tag->end);
  return rebuilt;
}

void append_header(std::string& out, const store::ServedRecord& record, const RecordContext& context) {
  out += record.deleted ? "<header status=\"deleted\">" : "<header>";
  append_element(out, "identifier",
                 our_identifier(context.repository_identifier, record.source, record.upstream_identifier));
  append_element(out, "datestamp", record.datestamp);
  for (const auto& spec : our_set_specs(record)) append_element(out, "setSpec", spec);
  out += "</header>";
}

void append_record(std::string& out, const store::ServedRecord& record, const RecordContext& context) {
  out += "<record>";
  append_header(out, record, context);
  if (!record.deleted) {
    out += "<metadata>";
    out += payload_with_schema_location(record.metadata, context.format_namespace, context.schema_url);
    out += "</metadata>";
    append_about(out, record, context);
  }
  out += "</record>";
}

}  // namespace provider
