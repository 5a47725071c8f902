#include "oai/xml_subtree.h"

#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "oai/xml_text.h"

namespace oai {
namespace {

std::string_view view(const xmlChar* text) {
  return text == nullptr ? std::string_view()
                         : std::string_view(reinterpret_cast<const char*>(text));
}

using Binding = std::pair<std::string, std::string>;  // prefix, URI

// Adds to `needed` the namespace bindings the subtree of `node` refers to
// that are not declared on `node` or between it and the reference:
// those must be declared on the subtree's root. `in_scope` holds what the
// subtree's own elements declared above `node`.
void collect_inherited(const xmlNode* node, std::set<Binding> in_scope,
                       std::vector<Binding>& needed) {
  for (const xmlNs* ns = node->nsDef; ns != nullptr; ns = ns->next) {
    in_scope.emplace(std::string(view(ns->prefix)), std::string(view(ns->href)));
  }
  auto need = [&](const xmlNs* ns) {
    if (ns == nullptr) return;
    Binding binding{std::string(view(ns->prefix)), std::string(view(ns->href))};
    if (binding.first == "xml" || in_scope.count(binding) != 0) return;
    for (const auto& existing : needed) {
      if (existing.first == binding.first) return;
    }
    needed.push_back(std::move(binding));
  };
  need(node->ns);
  for (const xmlAttr* attribute = node->properties; attribute != nullptr;
       attribute = attribute->next) {
    need(attribute->ns);
  }
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE) collect_inherited(child, in_scope, needed);
  }
}

void append_name(std::string& out, const xmlNs* ns, const xmlChar* name) {
  if (ns != nullptr && ns->prefix != nullptr) {
    out += view(ns->prefix);
    out += ':';
  }
  out += view(name);
}

void append_namespace(std::string& out, std::string_view prefix, std::string_view uri) {
  out += prefix.empty() ? " xmlns" : " xmlns:";
  out += prefix;
  out += "=\"";
  oai::append_xml_escaped(out, uri, oai::XmlContext::kAttribute);
  out += '"';
}

void write_node(std::string& out, const xmlNode* node, const std::vector<Binding>* inherited);

void write_element(std::string& out, const xmlNode* element,
                   const std::vector<Binding>* inherited) {
  out += '<';
  append_name(out, element->ns, element->name);
  if (inherited != nullptr) {
    for (const auto& [prefix, uri] : *inherited) append_namespace(out, prefix, uri);
  }
  for (const xmlNs* ns = element->nsDef; ns != nullptr; ns = ns->next) {
    append_namespace(out, view(ns->prefix), view(ns->href));
  }
  for (const xmlAttr* attribute = element->properties; attribute != nullptr;
       attribute = attribute->next) {
    out += ' ';
    append_name(out, attribute->ns, attribute->name);
    out += "=\"";
    oai::append_xml_escaped(out, text_content(reinterpret_cast<const xmlNode*>(attribute)),
                            oai::XmlContext::kAttribute);
    out += '"';
  }
  if (element->children == nullptr) {
    out += "/>";
    return;
  }
  out += '>';
  for (const xmlNode* child = element->children; child != nullptr; child = child->next) {
    write_node(out, child, nullptr);
  }
  out += "</";
  append_name(out, element->ns, element->name);
  out += '>';
}

void write_node(std::string& out, const xmlNode* node, const std::vector<Binding>* inherited) {
  switch (node->type) {
    case XML_ELEMENT_NODE:
      write_element(out, node, inherited);
      break;
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
      oai::append_xml_escaped(out, view(node->content));
      break;
    case XML_COMMENT_NODE:
      out += "<!--";
      out += view(node->content);
      out += "-->";
      break;
    case XML_PI_NODE:
      out += "<?";
      out += view(node->name);
      if (node->content != nullptr && *node->content != 0) {
        out += ' ';
        out += view(node->content);
      }
      out += "?>";
      break;
    default:  // entity references cannot occur: documents with a DTD are refused
      break;
  }
}

}  // namespace

std::string serialize_subtree(const xmlNode* element) {
  std::vector<Binding> inherited;
  collect_inherited(element, {}, inherited);
  std::string out;
  write_node(out, element, &inherited);
  return out;
}

std::string text_content(const xmlNode* node) {
  std::string text;
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
      text += view(child->content);
    } else if (child->type == XML_ELEMENT_NODE) {
      text += text_content(child);
    }
  }
  return text;
}

std::string trim_xml_space(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kSpace);
  return std::string(text.substr(first, last - first + 1));
}

}  // namespace oai
