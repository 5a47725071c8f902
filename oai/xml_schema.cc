#include "oai/xml_schema.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlschemas.h>

#include <array>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "oai/bundled_schemas.h"

namespace oai {
namespace {

std::string_view without_prefix(std::string_view text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) != prefix) return {};
  return text.substr(prefix.size());
}

std::string_view bundled_schema_named(std::string_view file_name) {
  for (const auto& schema : kBundledSchemas) {
    if (schema.file_name == file_name) return schema.text;
  }
  return {};
}

xmlParserInputPtr load_bundled_entity(const char* url, const char* /*public_id*/,
                                      xmlParserCtxtPtr context) {
  const std::string_view text = bundled_schema_for_url(url == nullptr ? "" : url);
  if (text.empty()) return nullptr;  // refused: libxml2 reports the entity as not loaded
  xmlParserInputBufferPtr buffer = xmlParserInputBufferCreateMem(
      text.data(), static_cast<int>(text.size()), XML_CHAR_ENCODING_NONE);
  if (buffer == nullptr) return nullptr;
  xmlParserInputPtr input = xmlNewIOInputStream(context, buffer, XML_CHAR_ENCODING_NONE);
  if (input == nullptr) {
    xmlFreeParserInputBuffer(buffer);
    return nullptr;
  }
  // Its URL names the schema in messages and when schemas import each other.
  input->filename = reinterpret_cast<const char*>(xmlStrdup(reinterpret_cast<const xmlChar*>(url)));
  return input;
}

// Appends one libxml2 message as "line N: message" to the vector at `sink`.
void collect_error(void* sink, xmlErrorPtr error) {
  if (error == nullptr || error->level == XML_ERR_WARNING) return;
  std::string message = error->message == nullptr ? "unknown error" : error->message;
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (error->line > 0) message = "line " + std::to_string(error->line) + ": " + message;
  if (error->file != nullptr) message = std::string(error->file) + ", " + message;
  static_cast<std::vector<std::string>*>(sink)->push_back(std::move(message));
}

// The parser's errors arrive with the parser context as their data.
void collect_parse_error(void* context, xmlErrorPtr error) {
  collect_error(static_cast<xmlParserCtxtPtr>(context)->_private, error);
}

}  // namespace

void use_bundled_entities_only() {
  static std::once_flag installed;
  std::call_once(installed, [] {
    xmlInitParser();
    xmlSetExternalEntityLoader(load_bundled_entity);
  });
}

std::string_view bundled_schema_for_url(std::string_view url) {
  std::string_view rest = without_prefix(url, "http://");
  if (rest.empty()) rest = without_prefix(url, "https://");
  if (rest.substr(0, 4) == "www.") rest.remove_prefix(4);
  if (const auto name = without_prefix(rest, "openarchives.org/OAI/2.0/");
      !name.empty() && name.find('/') == std::string_view::npos) {
    return bundled_schema_named(name);
  }
  if (rest == "dublincore.org/schemas/xmls/simpledc20021212.xsd") {
    return bundled_schema_named("simpledc20021212.xsd");
  }
  static constexpr std::array<std::string_view, 5> kXmlSchemaLocations = {
      "w3.org/2001/03/xml.xsd", "w3.org/2001/xml.xsd", "w3.org/2004/10/xml.xsd",
      "w3.org/2007/08/xml.xsd", "w3.org/2009/01/xml.xsd"};
  for (const auto location : kXmlSchemaLocations) {
    if (rest == location) return bundled_schema_named("xml.xsd");
  }
  return {};
}

struct XmlSchema::Compiled {
  xmlSchemaPtr schema = nullptr;
  ~Compiled() { xmlSchemaFree(schema); }
};

XmlSchema::XmlSchema(std::string_view driver_file) : compiled_(std::make_unique<Compiled>()) {
  use_bundled_entities_only();
  const std::string_view text = bundled_schema_named(driver_file);
  std::vector<std::string> errors;
  std::unique_ptr<xmlSchemaParserCtxt, decltype(&xmlSchemaFreeParserCtxt)> parser(
      xmlSchemaNewMemParserCtxt(text.data(), static_cast<int>(text.size())),
      &xmlSchemaFreeParserCtxt);
  if (parser != nullptr) {
    xmlSchemaSetParserStructuredErrors(parser.get(), collect_error, &errors);
    compiled_->schema = xmlSchemaParse(parser.get());
  }
  if (compiled_->schema == nullptr) {
    // The bundled files are part of the build: this is a defect, not input.
    std::string message = "the bundled schema " + std::string(driver_file) + " does not compile";
    for (const auto& error : errors) message += "\n  " + error;
    throw std::logic_error(message);
  }
}

XmlSchema::~XmlSchema() = default;

const XmlSchema& XmlSchema::oai_pmh_response() {
  static const XmlSchema schema("oai-pmh-response.xsd");
  return schema;
}

const XmlSchema& XmlSchema::oai_dc() {
  static const XmlSchema schema("oai_dc.xsd");
  return schema;
}

XmlDocument parse_xml(std::string_view document, std::vector<std::string>& errors) {
  use_bundled_entities_only();
  XmlDocument none(nullptr, &xmlFreeDoc);
  if (document.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    errors.emplace_back("the document is larger than 2 GiB");
    return none;
  }
  std::unique_ptr<xmlParserCtxt, decltype(&xmlFreeParserCtxt)> parser(xmlNewParserCtxt(),
                                                                      &xmlFreeParserCtxt);
  if (parser == nullptr) {
    errors.emplace_back("out of memory");
    return none;
  }
  const auto errors_before = errors.size();
  parser->_private = &errors;
  parser->sax->serror = collect_parse_error;
  XmlDocument doc(
      xmlCtxtReadMemory(parser.get(), document.data(), static_cast<int>(document.size()), nullptr,
                        nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
      &xmlFreeDoc);
  if (doc == nullptr || !parser->wellFormed) {
    if (errors.size() == errors_before) errors.emplace_back("the document is not well-formed XML");
    return none;
  }
  return doc;
}

std::vector<std::string> XmlSchema::validate(std::string_view document) const {
  std::vector<std::string> errors;
  const XmlDocument doc = parse_xml(document, errors);
  return doc == nullptr ? errors : validate(*doc);
}

std::vector<std::string> XmlSchema::validate(const xmlDoc& document) const {
  std::vector<std::string> errors;
  std::unique_ptr<xmlSchemaValidCtxt, decltype(&xmlSchemaFreeValidCtxt)> validator(
      xmlSchemaNewValidCtxt(compiled_->schema), &xmlSchemaFreeValidCtxt);
  if (validator == nullptr) return {"out of memory"};
  xmlSchemaSetValidStructuredErrors(validator.get(), collect_error, &errors);
  if (xmlSchemaValidateDoc(validator.get(), const_cast<xmlDoc*>(&document)) != 0 &&
      errors.empty()) {
    errors.emplace_back("the document is not valid (libxml2 gave no reason)");
  }
  return errors;
}

}  // namespace oai
