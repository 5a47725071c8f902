#include "oai/response_check.h"

#include <libxml/tree.h>

#include <optional>
#include <regex>
#include <set>
#include <utility>

#include "oai/datestamp.h"
#include "oai/namespaces.h"
#include "oai/xml_schema.h"
#include "oai/xml_subtree.h"
#include "oai/xml_text.h"

namespace oai {
namespace {

std::string_view view(const xmlChar* text) {
  return text == nullptr ? std::string_view()
                         : std::string_view(reinterpret_cast<const char*>(text));
}

bool is_element(const xmlNode* node, std::string_view ns, std::string_view name) {
  return node != nullptr && node->type == XML_ELEMENT_NODE && node->ns != nullptr &&
         view(node->ns->href) == ns && view(node->name) == name;
}

bool is_oai(const xmlNode* node, std::string_view name) {
  return is_element(node, kOaiPmhNamespace, name);
}

const xmlNode* first_child(const xmlNode* parent, std::string_view name) {
  for (const xmlNode* child = parent->children; child != nullptr; child = child->next) {
    if (is_oai(child, name)) return child;
  }
  return nullptr;
}

std::vector<const xmlNode*> descendants(const xmlNode* node, std::string_view ns,
                                        std::string_view name) {
  std::vector<const xmlNode*> found;
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type != XML_ELEMENT_NODE) continue;
    if (is_element(child, ns, name)) found.push_back(child);
    auto below = descendants(child, ns, name);
    found.insert(found.end(), below.begin(), below.end());
  }
  return found;
}

std::string attribute(const xmlNode* node, const char* name, const char* ns = nullptr) {
  xmlChar* value = ns == nullptr ? xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name))
                                 : xmlGetNsProp(node, reinterpret_cast<const xmlChar*>(name),
                                                reinterpret_cast<const xmlChar*>(ns));
  std::string text(view(value));
  xmlFree(value);
  return text;
}

bool has_attribute(const xmlNode* node, const char* name) {
  return xmlHasProp(node, reinterpret_cast<const xmlChar*>(name)) != nullptr;
}

// The (namespace, schema URL) pairs of an element's xsi:schemaLocation.
std::set<std::pair<std::string, std::string>> schema_locations(const xmlNode* node) {
  std::set<std::pair<std::string, std::string>> pairs;
  std::vector<std::string> words;
  const std::string value = attribute(node, "schemaLocation", kXsiNamespace);
  std::size_t at = 0;
  while (at < value.size()) {
    const auto start = value.find_first_not_of(" \t\r\n", at);
    if (start == std::string::npos) break;
    const auto end = value.find_first_of(" \t\r\n", start);
    words.push_back(value.substr(start, end - start));
    at = end == std::string::npos ? value.size() : end;
  }
  for (std::size_t i = 0; i + 1 < words.size(); i += 2) pairs.emplace(words[i], words[i + 1]);
  return pairs;
}

// Whether `node` itself declares namespace `uri` (under any prefix).
bool declares(const xmlNode* node, std::string_view uri) {
  for (const xmlNs* ns = node->nsDef; ns != nullptr; ns = ns->next) {
    if (view(ns->href) == uri) return true;
  }
  return false;
}

std::optional<Granularity> granularity_of(const std::string& text) {
  const auto datestamp = Datestamp::parse(text);
  if (!datestamp) return std::nullopt;
  return datestamp->granularity();
}

std::string quoted(std::string_view text) {
  std::string out = "'";
  out += text.substr(0, 80);
  if (text.size() > 80) out += "...";
  return out + "'";
}

bool has_bundled_schema(const xmlNode* payload) {
  static const std::set<std::string_view> bundled = {
      kOaiDcNamespace, kProvenanceNamespace, kOaiIdentifierNamespace, kFriendsNamespace,
      "http://www.openarchives.org/OAI/2.0/branding/"};
  return payload->ns != nullptr && bundled.count(view(payload->ns->href)) > 0;
}

// Replaces, in `doc`, each payload that `payloads` leaves unjudged by an empty
// oai_dc:dc, which every payload wildcard of the schema accepts.
void stand_in_for_payloads(xmlDoc& doc, PayloadValidation payloads) {
  const xmlNode* root = xmlDocGetRootElement(&doc);
  if (root == nullptr) return;
  std::vector<xmlNode*> replaced;
  for (const char* container : {"metadata", "about", "description", "setDescription"}) {
    for (const xmlNode* parent : descendants(root, kOaiPmhNamespace, container)) {
      for (xmlNode* child = parent->children; child != nullptr; child = child->next) {
        if (child->type != XML_ELEMENT_NODE) continue;
        if (payloads == PayloadValidation::kKnown && has_bundled_schema(child)) continue;
        replaced.push_back(child);
      }
    }
  }
  for (xmlNode* payload : replaced) {
    xmlNode* stand_in =
        xmlNewDocNode(&doc, nullptr, reinterpret_cast<const xmlChar*>("dc"), nullptr);
    xmlSetNs(stand_in, xmlNewNs(stand_in, reinterpret_cast<const xmlChar*>(kOaiDcNamespace),
                                reinterpret_cast<const xmlChar*>("oai_dc")));
    xmlReplaceNode(payload, stand_in);
    xmlFreeNode(payload);
  }
}

std::vector<std::string> schema_errors(const xmlDoc& doc, PayloadValidation payloads) {
  if (payloads == PayloadValidation::kAll) return XmlSchema::oai_pmh_response().validate(doc);
  const XmlDocument copy(xmlCopyDoc(const_cast<xmlDoc*>(&doc), 1), xmlFreeDoc);
  if (copy == nullptr) return {"out of memory copying the response"};
  stand_in_for_payloads(*copy, payloads);
  return XmlSchema::oai_pmh_response().validate(*copy);
}

class Checker {
 public:
  Checker(std::vector<ResponseFinding>& findings, PayloadValidation payloads)
      : findings_(findings), payloads_(payloads) {}

  void check_bytes(std::string_view document) {
    if (const auto at = find_invalid_utf8(document); at != std::string_view::npos) {
      add("X-2", "the response is not UTF-8: byte " + std::to_string(at) +
                     " is not part of a UTF-8 sequence");
    }
    static const std::regex declaration(
        R"(^(\xEF\xBB\xBF)?<\?xml\s+version\s*=\s*(['"])1\.0\2\s+encoding\s*=\s*(['"])[uU][tT][fF]-8\3)");
    if (!std::regex_search(document.begin(),
                           document.begin() + std::min<std::size_t>(document.size(), 200),
                           declaration)) {
      add("X-3", "the response must begin with <?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    }
  }

  void check_document(const xmlDoc& doc) {
    if (doc.intSubset != nullptr) add("X-4", "the response has a DOCTYPE; OAI-PMH allows no DTD");
    for (auto& error : schema_errors(doc, payloads_)) add("X-5", std::move(error));
    const xmlNode* root = xmlDocGetRootElement(&doc);
    if (!is_oai(root, "OAI-PMH")) return;  // X-5 says so already
    check_root(root);
    const xmlNode* request = first_child(root, "request");
    std::set<std::string> codes;
    for (const xmlNode* child = root->children; child != nullptr; child = child->next) {
      if (is_oai(child, "error")) codes.insert(attribute(child, "code"));
    }
    if (request != nullptr) check_request(request, codes);
    check_datestamps(root);
    if (const xmlNode* identify = first_child(root, "Identify")) check_identify(identify);
    for (const xmlNode* token : descendants(root, kOaiPmhNamespace, "resumptionToken")) {
      if (has_attribute(token, "expirationDate") &&
          !granularity_of(attribute(token, "expirationDate")).has_value()) {
        add("D-12", "resumptionToken expirationDate " + quoted(attribute(token, "expirationDate")) +
                        " is not YYYY-MM-DDThh:mm:ssZ");
      }
    }
    check_records(root);
    const bool oai_dc_asked =
        codes.empty() && request != nullptr && attribute(request, "metadataPrefix") == "oai_dc";
    check_payloads(root, oai_dc_asked);
  }

 private:
  void add(std::string rule, std::string message) {
    findings_.push_back({std::move(rule), std::move(message)});
  }

  void check_root(const xmlNode* root) {
    bool default_namespace = false;
    for (const xmlNs* ns = root->nsDef; ns != nullptr; ns = ns->next) {
      if (ns->prefix == nullptr && view(ns->href) == kOaiPmhNamespace) default_namespace = true;
    }
    if (!default_namespace) {
      add("X-6", std::string("the root element must declare xmlns=\"") + kOaiPmhNamespace + "\"");
    }
    if (schema_locations(root).count({kOaiPmhNamespace, kOaiPmhSchema}) == 0) {
      add("X-6", std::string("the root element must carry xsi:schemaLocation=\"") +
                     kOaiPmhNamespace + " " + kOaiPmhSchema + "\"");
    }
    if (const xmlNode* date = first_child(root, "responseDate")) {
      const std::string text = text_content(date);
      const auto granularity = granularity_of(text);
      if (granularity != Granularity::kSeconds) {
        add("X-7", "responseDate " + quoted(text) + " is not YYYY-MM-DDThh:mm:ssZ");
      }
    }
  }

  void check_request(const xmlNode* request, const std::set<std::string>& codes) {
    if ((codes.count("badVerb") != 0 || codes.count("badArgument") != 0) &&
        request->properties != nullptr) {
      add("X-10", "with badVerb or badArgument, <request> must carry no attributes");
    }
    if (!codes.empty()) return;
    std::optional<Datestamp> bounds[2];
    const char* names[2] = {"from", "until"};
    for (int i = 0; i < 2; ++i) {
      if (!has_attribute(request, names[i])) continue;
      const std::string value = attribute(request, names[i]);
      bounds[i] = Datestamp::parse(value);
      if (!bounds[i]) {
        add("D-1", std::string("request ") + names[i] + "=" + quoted(value) +
                       " is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ");
      }
    }
    if (bounds[0] && bounds[1]) {
      if (bounds[0]->granularity() != bounds[1]->granularity()) {
        add("D-5", "from and until differ in granularity: that must be badArgument");
      } else if (*bounds[0] > *bounds[1]) {
        add("D-6", "from is later than until: that must be badArgument");
      }
    }
  }

  void check_datestamps(const xmlNode* root) {
    std::set<Granularity> seen;
    for (const xmlNode* header : descendants(root, kOaiPmhNamespace, "header")) {
      const xmlNode* datestamp = first_child(header, "datestamp");
      if (datestamp == nullptr) continue;
      const std::string text = text_content(datestamp);
      const auto granularity = granularity_of(text);
      if (!granularity) {
        add("D-1", "datestamp " + quoted(text) + " is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ");
      } else {
        seen.insert(*granularity);
      }
    }
    if (seen.size() > 1) add("D-10", "the datestamps of one response mix day and seconds");
  }

  void check_identify(const xmlNode* identify) {
    const xmlNode* earliest = first_child(identify, "earliestDatestamp");
    const xmlNode* granularity_element = first_child(identify, "granularity");
    if (earliest == nullptr) return;
    const std::string text = text_content(earliest);
    const auto granularity = granularity_of(text);
    if (!granularity) {
      add("D-1",
          "earliestDatestamp " + quoted(text) + " is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ");
      return;
    }
    if (granularity_element == nullptr) return;
    const auto declared = parse_granularity(text_content(granularity_element));
    if (declared && *declared != *granularity) {
      add("V-ID-4", "earliestDatestamp " + quoted(text) + " is not in the declared granularity " +
                        std::string(to_string(*declared)));
    }
  }

  void check_records(const xmlNode* root) {
    for (const xmlNode* record : descendants(root, kOaiPmhNamespace, "record")) {
      const xmlNode* header = first_child(record, "header");
      const std::string identifier =
          header == nullptr || first_child(header, "identifier") == nullptr
              ? "?"
              : text_content(first_child(header, "identifier"));
      const bool has_metadata = first_child(record, "metadata") != nullptr;
      if (header != nullptr && attribute(header, "status") == "deleted") {
        if (has_metadata || first_child(record, "about") != nullptr) {
          add("DR-6", "deleted record " + quoted(identifier) + " carries metadata or about");
        }
      } else if (!has_metadata) {
        add("V-LR-5", "record " + quoted(identifier) + " is not deleted but has no metadata");
      }
    }
  }

  void check_payloads(const xmlNode* root, bool oai_dc_asked) {
    for (const xmlNode* metadata : descendants(root, kOaiPmhNamespace, "metadata")) {
      for (const xmlNode* payload = metadata->children; payload != nullptr;
           payload = payload->next) {
        if (payload->type != XML_ELEMENT_NODE) continue;
        const bool is_oai_dc = is_element(payload, kOaiDcNamespace, "dc");
        if (oai_dc_asked && !is_oai_dc) {
          add("V-LR-9", "metadataPrefix=oai_dc, but a metadata part holds " +
                            std::string(view(payload->name)));
        }
        if (!is_oai_dc) continue;
        if (!declares(payload, kOaiDcNamespace) || !declares(payload, kXsiNamespace)) {
          add("X-14", "an oai_dc:dc payload must itself declare its namespace and xmlns:xsi");
        }
        if (schema_locations(payload).count({kOaiDcNamespace, kOaiDcSchema}) == 0) {
          add("DC-2", std::string("an oai_dc:dc payload must carry xsi:schemaLocation=\"") +
                          kOaiDcNamespace + " " + kOaiDcSchema + "\"");
        }
      }
    }
  }

  std::vector<ResponseFinding>& findings_;
  PayloadValidation payloads_;
};

}  // namespace

std::vector<ResponseFinding> check_response(std::string_view document, PayloadValidation payloads) {
  std::vector<ResponseFinding> findings;
  Checker checker(findings, payloads);
  checker.check_bytes(document);
  std::vector<std::string> errors;
  const XmlDocument doc = parse_xml(document, errors);
  if (doc == nullptr) {
    for (auto& error : errors) findings.push_back({"X-1", std::move(error)});
    return findings;
  }
  checker.check_document(*doc);
  return findings;
}

}  // namespace oai
