#include "harvester/response_reader.h"

#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>
#include <memory>
#include <tuple>
#include <utility>

#include "oai/namespaces.h"
#include "oai/xml_schema.h"
#include "oai/xml_subtree.h"
#include "oai/xml_text.h"

namespace harvester {
namespace {

std::string_view view(const xmlChar* text) {
  return text == nullptr ? std::string_view()
                         : std::string_view(reinterpret_cast<const char*>(text));
}

std::string lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

// ---- Bytes before parsing -------------------------------------------------

// The encoding the document states itself: "UTF-8" for a UTF-8 byte-order
// mark, "UTF-16" for a UTF-16 one, else the XML declaration's encoding, else
// empty.
std::string declared_encoding(std::string_view body) {
  if (body.substr(0, 3) == "\xEF\xBB\xBF") return "UTF-8";
  if (body.substr(0, 2) == "\xFE\xFF" || body.substr(0, 2) == "\xFF\xFE") return "UTF-16";
  if (body.substr(0, 5) != "<?xml") return {};
  const auto end = body.find("?>");
  if (end == std::string_view::npos) return {};
  const std::string_view declaration = body.substr(0, end);
  auto at = declaration.find("encoding");
  if (at == std::string_view::npos) return {};
  at = declaration.find_first_of("\"'", at);
  if (at == std::string_view::npos) return {};
  const auto close = declaration.find(declaration[at], at + 1);
  if (close == std::string_view::npos) return {};
  return std::string(declaration.substr(at + 1, close - at - 1));
}

bool is_utf8(std::string_view encoding) {
  const auto name = lower(encoding);
  return name.empty() || name == "utf-8" || name == "utf8";
}

bool is_illegal_control_byte(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

// Removes C0 control bytes that XML 1.0 forbids from a single-byte document.
std::size_t remove_control_bytes(std::string& body) {
  const auto before = body.size();
  body.erase(std::remove_if(body.begin(), body.end(), is_illegal_control_byte), body.end());
  return before - body.size();
}

// The value of `c` as a digit in `base` (10 or 16), or -1.
int digit_value(char c, int base) {
  if (c >= '0' && c <= '9') return c - '0';
  if (base == 16 && c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (base == 16 && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Where the first character reference at or after `from` to a character XML
// 1.0 forbids (`&#11;`, `&#xFFFE;`) starts, and its length; npos if none.
std::pair<std::size_t, std::size_t> find_illegal_character_reference(std::string_view body,
                                                                     std::size_t from) {
  std::size_t at = from;
  while ((at = body.find("&#", at)) != std::string_view::npos) {
    std::size_t i = at + 2;
    const bool hex = i < body.size() && (body[i] == 'x');
    if (hex) ++i;
    std::uint64_t code = 0;
    const std::size_t digits_start = i;
    for (; i < body.size() && i - digits_start < 12; ++i) {
      const int digit = digit_value(body[i], hex ? 16 : 10);
      if (digit < 0) break;
      code = code * (hex ? 16 : 10) + static_cast<std::uint64_t>(digit);
    }
    const bool reference = i > digits_start && i < body.size() && body[i] == ';';
    if (reference && (code > 0x10FFFF || !oai::is_xml_char(static_cast<char32_t>(code)))) {
      return {at, i + 1 - at};
    }
    at += 2;
  }
  return {std::string_view::npos, 0};
}

// Removes those references, which libxml2 rightly treats as fatal errors.
std::size_t remove_illegal_character_references(std::string& body) {
  std::size_t removed = 0;
  for (auto [at, length] = find_illegal_character_reference(body, 0); at != std::string::npos;
       std::tie(at, length) = find_illegal_character_reference(body, at)) {
    body.erase(at, length);
    ++removed;
  }
  return removed;
}

// OAI-PMH allows no DTD (X-4). Refusing any DOCTYPE before parsing
// also keeps internal-subset entity bombs and external entities out.
void refuse_doctype(std::string_view body) {
  std::size_t at = 0;
  while ((at = body.find('<', at)) != std::string_view::npos) {
    const auto rest = body.substr(at);
    if (rest.substr(0, 4) == "<!--") {
      at = body.find("-->", at);
      if (at == std::string_view::npos) return;
    } else if (rest.substr(0, 2) == "<?") {
      at = body.find("?>", at);
      if (at == std::string_view::npos) return;
    } else if (rest.substr(0, 9) == "<!DOCTYPE") {
      throw ResponseError("the response has a DOCTYPE, which OAI-PMH does not allow (X-4)",
                          static_cast<std::int64_t>(at));
    } else {
      return;  // the root element: no DTD can follow
    }
  }
}

// ---- Elements ---------------------------------------------------------------

bool in_oai_namespace(const xmlNode* node) {
  // Some repositories send the envelope without any namespace; accept that too.
  return node->ns == nullptr || view(node->ns->href) == oai::kOaiPmhNamespace;
}

bool is_oai(const xmlNode* node, std::string_view name) {
  return node != nullptr && node->type == XML_ELEMENT_NODE && view(node->name) == name &&
         in_oai_namespace(node);
}

// The element children of `node`, in order.
std::vector<const xmlNode*> child_elements(const xmlNode* node) {
  std::vector<const xmlNode*> children;
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE) children.push_back(child);
  }
  return children;
}

std::string trimmed_text(const xmlNode* node) {
  return oai::trim_xml_space(oai::text_content(node));
}

std::optional<std::string> attribute(const xmlNode* node, const char* name) {
  xmlChar* value = xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name));
  if (value == nullptr) return std::nullopt;
  std::string result(view(value));
  xmlFree(value);
  return result;
}

std::optional<std::int64_t> integer_attribute(const xmlNode* node, const char* name) {
  const auto text = attribute(node, name);
  if (!text || text->empty() || text->size() > 18) return std::nullopt;
  if (!std::all_of(text->begin(), text->end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::nullopt;
  }
  return std::stoll(*text);
}

// The Dublin Core elements of an oai_dc payload, in document order.
std::vector<store::DcElement> dublin_core(const xmlNode* payload) {
  std::vector<store::DcElement> elements;
  if (payload->ns == nullptr || view(payload->ns->href) != oai::kOaiDcNamespace) return elements;
  for (const xmlNode* child : child_elements(payload)) {
    if (child->ns == nullptr || view(child->ns->href) != oai::kDcNamespace) continue;
    const auto name = view(child->name);
    if (std::find(std::begin(oai::kDcElements), std::end(oai::kDcElements), name) ==
        std::end(oai::kDcElements)) {
      continue;
    }
    xmlChar* lang = xmlNodeGetLang(child);
    elements.push_back({std::string(name), trimmed_text(child), std::string(view(lang))});
    xmlFree(lang);
  }
  return elements;
}

// Reads a <header> into `record`; returns what is wrong with it, if anything.
std::string read_header(const xmlNode* header, store::HarvestedRecord& record) {
  record.deleted = attribute(header, "status").value_or("") == "deleted";
  for (const xmlNode* child : child_elements(header)) {
    if (is_oai(child, "identifier"))
      record.identifier = trimmed_text(child);
    else if (is_oai(child, "datestamp"))
      record.datestamp = trimmed_text(child);
    else if (is_oai(child, "setSpec"))
      record.set_specs.push_back(trimmed_text(child));
  }
  if (record.identifier.empty()) return "header without identifier";
  if (record.datestamp.empty()) return "header of " + record.identifier + " without datestamp";
  return {};
}

void read_record(const xmlNode* element, Response& response) {
  store::HarvestedRecord record;
  std::string problem;
  bool has_header = false;
  for (const xmlNode* child : child_elements(element)) {
    if (is_oai(child, "header")) {
      has_header = true;
      problem = read_header(child, record);
    } else if (is_oai(child, "metadata")) {
      const auto payload = child_elements(child);
      if (payload.size() != 1) {
        problem = "metadata of " + record.identifier + " must hold exactly one element";
      } else {
        record.metadata = oai::serialize_subtree(payload.front());
        record.dc = dublin_core(payload.front());
      }
    } else if (is_oai(child, "about")) {
      for (const xmlNode* part : child_elements(child))
        record.about += oai::serialize_subtree(part);
    }
  }
  if (!has_header) problem = "record without header";
  if (problem.empty() && !record.deleted && record.metadata.empty()) {
    problem = "record " + record.identifier + " is not deleted but has no metadata";
  }
  if (record.deleted) {
    record.metadata.clear();
    record.dc.clear();
    record.about.clear();
  }
  if (!problem.empty()) {
    response.rejected.push_back({problem, oai::serialize_subtree(element)});
    return;
  }
  response.records.push_back(std::move(record));
}

void read_list_header(const xmlNode* element, Response& response) {
  store::HarvestedRecord record;
  const auto problem = read_header(element, record);
  if (!problem.empty()) {
    response.rejected.push_back({problem, oai::serialize_subtree(element)});
    return;
  }
  response.records.push_back(std::move(record));
}

void read_set(const xmlNode* element, Response& response) {
  store::SetInfo set;
  for (const xmlNode* child : child_elements(element)) {
    if (is_oai(child, "setSpec"))
      set.set_spec = trimmed_text(child);
    else if (is_oai(child, "setName"))
      set.set_name = trimmed_text(child);
    else if (is_oai(child, "setDescription")) {
      for (const xmlNode* part : child_elements(child))
        set.descriptions += oai::serialize_subtree(part);
    }
  }
  if (set.set_spec.empty()) {
    response.rejected.push_back({"set without setSpec", oai::serialize_subtree(element)});
    return;
  }
  response.sets.push_back(std::move(set));
}

void read_metadata_format(const xmlNode* element, Response& response) {
  store::MetadataFormat format;
  for (const xmlNode* child : child_elements(element)) {
    if (is_oai(child, "metadataPrefix"))
      format.metadata_prefix = trimmed_text(child);
    else if (is_oai(child, "schema"))
      format.schema_url = trimmed_text(child);
    else if (is_oai(child, "metadataNamespace"))
      format.metadata_namespace = trimmed_text(child);
  }
  if (format.metadata_prefix.empty()) {
    response.rejected.push_back(
        {"metadataFormat without metadataPrefix", oai::serialize_subtree(element)});
    return;
  }
  response.formats.push_back(std::move(format));
}

ResumptionToken read_resumption_token(const xmlNode* element) {
  return ResumptionToken{trimmed_text(element), attribute(element, "expirationDate"),
                         integer_attribute(element, "completeListSize"),
                         integer_attribute(element, "cursor")};
}

store::IdentifyFacts read_identify(const xmlNode* element) {
  store::IdentifyFacts facts;
  for (const xmlNode* child : child_elements(element)) {
    const auto text = trimmed_text(child);
    if (is_oai(child, "repositoryName"))
      facts.repository_name = text;
    else if (is_oai(child, "baseURL"))
      facts.declared_base_url = text;
    else if (is_oai(child, "protocolVersion"))
      facts.protocol_version = text;
    else if (is_oai(child, "adminEmail"))
      facts.admin_emails.push_back(text);
    else if (is_oai(child, "earliestDatestamp"))
      facts.earliest_datestamp = text;
    else if (is_oai(child, "deletedRecord"))
      facts.deleted_record = text;
    else if (is_oai(child, "granularity"))
      facts.granularity = text;
    else if (is_oai(child, "compression"))
      facts.compression.push_back(text);
  }
  return facts;
}

// One child of the verb element: a record, header, set, format or token.
void read_list_item(const xmlNode* element, Response& response) {
  if (is_oai(element, "resumptionToken")) {
    response.resumption_token = read_resumption_token(element);
  } else if (is_oai(element, "record")) {
    read_record(element, response);
  } else if (is_oai(element, "header")) {
    read_list_header(element, response);
  } else if (is_oai(element, "set")) {
    read_set(element, response);
  } else if (is_oai(element, "metadataFormat")) {
    read_metadata_format(element, response);
  }
}

// ---- The reader ---------------------------------------------------------------

// Collects the first error libxml2 reports instead of printing it.
struct ParseErrors {
  std::string first;
  static void collect(void* self, xmlErrorPtr error) {
    auto& errors = *static_cast<ParseErrors*>(self);
    if (!errors.first.empty() || error == nullptr || error->level < XML_ERR_ERROR) return;
    errors.first = oai::trim_xml_space(error->message != nullptr ? error->message : "XML error") +
                   " (line " + std::to_string(error->line) + ", column " +
                   std::to_string(error->int2) + ")";
  }
};

// libxml2 must never read a file or URL on a response's behalf.
using ReaderPtr = std::unique_ptr<xmlTextReader, decltype(&xmlFreeTextReader)>;

// The elements below the root that the walker expands whole; it descends
// into the others (the verb's element) except <request>.
bool expanded_at_top(std::string_view name) {
  return name == "responseDate" || name == "error" || name == "Identify";
}

// An upper bound of the nodes a parsed `body` can have: every element, text,
// comment or processing instruction needs a '<' before or after it, every
// attribute an '='. Counted in bytes, so for UTF-16 too (never fewer).
std::int64_t possible_nodes(std::string_view body) {
  const auto count = [&](char c) {
    return static_cast<std::int64_t>(std::count(body.begin(), body.end(), c));
  };
  return 2 * count('<') + count('=') + 1;
}

// Reads the same bytes as the ResponseWalker, ahead of it and without
// building any tree (the reader frees each node it passes), and counts the
// nodes of each element the walker is about to expand, in the walker's
// order: so an element whose tree would be huge (a record of millions of
// empty elements: four bytes each, about 150 bytes each once parsed) is
// refused before libxml2 builds it.
class ExpansionScout {
 public:
  explicit ExpansionScout(ReaderPtr reader) : reader_(std::move(reader)) {
    status_ = xmlTextReaderRead(reader_.get());
  }

  // The nodes of the next element the walker expands, counted up to
  // `limit` + 1; -1 when there is none or the XML is broken (the walker
  // finds that too).
  std::int64_t next_expansion(std::int64_t limit) {
    xmlTextReaderPtr reader = reader_.get();
    while (status_ == 1) {
      if (xmlTextReaderNodeType(reader) != XML_READER_TYPE_ELEMENT) {
        status_ = xmlTextReaderRead(reader);
        continue;
      }
      const int depth = xmlTextReaderDepth(reader);
      if (depth == 1) {
        const auto name = view(xmlTextReaderConstLocalName(reader));
        if (expanded_at_top(name)) return count_subtree(limit);
        status_ = name == "request" ? xmlTextReaderNext(reader) : xmlTextReaderRead(reader);
      } else if (depth == 2) {
        return count_subtree(limit);
      } else {
        status_ = depth == 0 ? xmlTextReaderRead(reader) : xmlTextReaderNext(reader);
      }
    }
    return -1;
  }

 private:
  // Counts the current element's nodes (end tags are no nodes), reading to
  // its end tag or until more than `limit` are seen.
  std::int64_t count_subtree(std::int64_t limit) {
    xmlTextReaderPtr reader = reader_.get();
    const int depth = xmlTextReaderDepth(reader);
    std::int64_t nodes = 1 + xmlTextReaderAttributeCount(reader);
    if (xmlTextReaderIsEmptyElement(reader) == 1) {
      status_ = xmlTextReaderRead(reader);
      return nodes;
    }
    while ((status_ = xmlTextReaderRead(reader)) == 1 && xmlTextReaderDepth(reader) > depth) {
      const int type = xmlTextReaderNodeType(reader);
      if (type == XML_READER_TYPE_END_ELEMENT) continue;
      nodes += 1 + (type == XML_READER_TYPE_ELEMENT ? xmlTextReaderAttributeCount(reader) : 0);
      if (nodes > limit) break;
    }
    return nodes;
  }

  ReaderPtr reader_;
  int status_ = 0;
};

class ResponseWalker {
 public:
  ResponseWalker(xmlTextReaderPtr reader, ParseErrors& errors, Response& response,
                 ExpansionScout* scout, std::int64_t max_nodes)
      : reader_(reader),
        errors_(errors),
        response_(response),
        scout_(scout),
        max_nodes_(max_nodes) {}

  void walk() {
    int status = xmlTextReaderRead(reader_);
    while (status == 1) {
      const int type = xmlTextReaderNodeType(reader_);
      if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
        // refuse_doctype() reads bytes as ASCII, so a UTF-16 document gets here.
        fail("the response has a DOCTYPE, which OAI-PMH does not allow (X-4)");
      }
      if (type != XML_READER_TYPE_ELEMENT) {
        status = xmlTextReaderRead(reader_);
        continue;
      }
      switch (xmlTextReaderDepth(reader_)) {
        case 0:
          check_root();
          status = xmlTextReaderRead(reader_);
          break;
        case 1:
          status = top_level_element();
          break;
        case 2:
          read_list_item(expand(), response_);
          status = xmlTextReaderNext(reader_);
          break;
        default:
          status = xmlTextReaderNext(reader_);
      }
    }
    if (status < 0) fail("the response is not well-formed XML");
    if (!saw_root_) fail("the response is empty or not XML");
    if (response_.response_date.empty()) fail("the response has no responseDate");
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    const auto offset = static_cast<std::int64_t>(xmlTextReaderByteConsumed(reader_));
    throw ResponseError(errors_.first.empty() ? what : what + ": " + errors_.first, offset);
  }

  const xmlNode* expand() {
    if (scout_ != nullptr && scout_->next_expansion(max_nodes_) > max_nodes_) {
      fail("a <" + std::string(view(xmlTextReaderConstName(reader_))) + "> with more than " +
           std::to_string(max_nodes_) +
           " XML nodes: refused, its parsed tree would take too "
           "much memory");
    }
    const xmlNode* node = xmlTextReaderExpand(reader_);
    if (node == nullptr) fail("the response is not well-formed XML");
    return node;
  }

  void check_root() {
    saw_root_ = true;
    const auto name = view(xmlTextReaderConstLocalName(reader_));
    const auto uri = view(xmlTextReaderConstNamespaceUri(reader_));
    if (name != "OAI-PMH" || (!uri.empty() && uri != oai::kOaiPmhNamespace)) {
      fail("not an OAI-PMH response: the root element is <" + std::string(name) + ">");
    }
  }

  // An element directly below the root; returns the reader's next status.
  int top_level_element() {
    const auto name = std::string(view(xmlTextReaderConstLocalName(reader_)));
    if (!expanded_at_top(name) && name != "request") {
      response_.verb = name;
      return xmlTextReaderRead(reader_);  // descend: its children come one at a time
    }
    if (name == "responseDate") {
      response_.response_date = trimmed_text(expand());
    } else if (name == "error") {
      const xmlNode* error = expand();
      response_.errors.emplace_back(attribute(error, "code").value_or(""), trimmed_text(error));
    } else if (name == "Identify") {
      response_.verb = name;
      response_.identify = read_identify(expand());
    }
    return xmlTextReaderNext(reader_);
  }

  xmlTextReaderPtr reader_;
  ParseErrors& errors_;
  Response& response_;
  ExpansionScout* scout_;   // null when the body is too small to need one
  std::int64_t max_nodes_;  // nodes one expanded element may have
  bool saw_root_ = false;
};

// Ignores what the scout's reader reports: the walker reports it.
void ignore_errors(void*, xmlErrorPtr) {}

// The bytes to parse: `received` itself, or a copy in `cleaned` without the
// characters illegal in XML 1.0 (counted in `response`). Repositories send
// control characters in good faith, so those are removed; but bytes that are
// not UTF-8 at all make the response malformed (X-2): guessing what they
// meant would store damaged text. Refuses a DOCTYPE (X-4) and more than 2 GiB.
std::string_view parseable_body(std::string_view received, const std::string& encoding,
                                std::string& cleaned, Response& response) {
  const auto name = lower(encoding);
  const bool utf8 = is_utf8(name);
  const bool single_byte =
      !utf8 && name.find("16") == std::string::npos && name.find("32") == std::string::npos;
  std::string_view body = received;
  const bool utf8_needs_cleaning = utf8 && oai::count_illegal_xml_chars(received) > 0;
  if (utf8_needs_cleaning) {
    if (const auto at = oai::find_invalid_utf8(received); at != std::string_view::npos) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(received[at]));
      throw ResponseError("the response is not valid UTF-8 (X-2): byte " + std::string(byte) +
                              " at offset " + std::to_string(at) +
                              " is not part of a well-formed sequence",
                          static_cast<std::int64_t>(at));
    }
  }
  if (utf8_needs_cleaning ||
      (single_byte && std::any_of(received.begin(), received.end(), is_illegal_control_byte)) ||
      find_illegal_character_reference(received, 0).first != std::string_view::npos) {
    cleaned.assign(received);
    if (utf8) response.illegal_characters_removed += oai::remove_illegal_xml_chars(cleaned);
    if (single_byte) response.illegal_characters_removed += remove_control_bytes(cleaned);
    response.illegal_characters_removed += remove_illegal_character_references(cleaned);
    body = cleaned;
  }
  refuse_doctype(body);
  if (body.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw ResponseError("the response is larger than 2 GiB");
  }
  return body;
}

}  // namespace

Response read_response(std::string_view received, std::string_view http_charset,
                       std::int64_t max_expanded_nodes) {
  Response response;
  std::string encoding = declared_encoding(received);
  const bool self_declared = !encoding.empty();
  if (!self_declared) encoding = std::string(http_charset);
  // The bytes are parsed where they lie; a copy is made only when characters
  // illegal in XML must first be removed (a page may be many megabytes).
  std::string cleaned;
  const std::string_view body = parseable_body(received, encoding, cleaned, response);

  oai::use_bundled_entities_only();
  const auto open_reader = [&] {
    ReaderPtr reader(
        xmlReaderForMemory(
            body.data(), static_cast<int>(body.size()), nullptr,
            self_declared || encoding.empty() ? nullptr : encoding.c_str(),
            XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
        &xmlFreeTextReader);
    if (!reader)
      throw ResponseError("cannot start the XML reader (unknown encoding '" + encoding + "'?)");
    return reader;
  };
  ParseErrors errors;
  ReaderPtr reader = open_reader();
  xmlTextReaderSetStructuredErrorHandler(reader.get(), &ParseErrors::collect, &errors);
  // Most pages cannot hold an element that large at all: those are read once.
  // The others are read twice, the scout counting ahead (about a third
  // slower, only for pages of more than ~100,000 tags).
  std::unique_ptr<ExpansionScout> scout;
  const bool ascii_compatible =
      !body.empty() && (body[0] == '<' || body[0] == '\xEF' || body[0] == '\xFE' ||
                        body[0] == '\xFF' || std::isspace(static_cast<unsigned char>(body[0])));
  if (!ascii_compatible || possible_nodes(body) > max_expanded_nodes) {
    ReaderPtr scout_reader = open_reader();
    xmlTextReaderSetStructuredErrorHandler(scout_reader.get(), &ignore_errors, nullptr);
    scout = std::make_unique<ExpansionScout>(std::move(scout_reader));
  }
  ResponseWalker(reader.get(), errors, response, scout.get(), max_expanded_nodes).walk();
  return response;
}

}  // namespace harvester
