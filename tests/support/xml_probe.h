// What a test reads from an XML document without our own reader: libxml2's
// DOM and XPath, and the response check of oai/response_check.h.
#ifndef TESTS_SUPPORT_XML_PROBE_H_
#define TESTS_SUPPORT_XML_PROBE_H_

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "oai/response_check.h"

namespace testing_support {

// The value of XPath `expression` over `xml`, as text: a string as it is, a
// number without a fraction when it has none ("3"), a boolean as
// "true"/"false", a node set as the string value of its first node. Empty when
// `xml` is not well-formed or the expression does not compile.
inline std::string xpath(const std::string& xml, const std::string& expression) {
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE),
      &xmlFreeDoc);
  if (doc == nullptr) return "";
  std::unique_ptr<xmlXPathContext, decltype(&xmlXPathFreeContext)> context(
      xmlXPathNewContext(doc.get()), &xmlXPathFreeContext);
  std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)> result(
      xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(expression.c_str()), context.get()),
      &xmlXPathFreeObject);
  if (result == nullptr) return "";
  if (result->type == XPATH_NUMBER) {
    const double value = result->floatval;
    if (std::floor(value) == value && std::abs(value) < 1e15) {
      return std::to_string(static_cast<long long>(value));
    }
  }
  if (result->type == XPATH_BOOLEAN) return result->boolval ? "true" : "false";
  xmlChar* text = xmlXPathCastToString(result.get());
  std::string value = text == nullptr ? "" : reinterpret_cast<const char*>(text);
  xmlFree(text);
  return value;
}

inline std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// xpath() over the file at `path`.
inline std::string xpath_in_file(const std::string& path, const std::string& expression) {
  return xpath(read_whole_file(path), expression);
}

// What oai::check_response finds wrong with an OAI-PMH response, one line a
// finding ("[X-5] line 3: ..."); empty when nothing.
inline std::string response_problems(const std::string& body) {
  std::string problems;
  for (const auto& finding : oai::check_response(body)) {
    problems += "[" + finding.rule + "] " + finding.message + "\n";
  }
  return problems;
}

}  // namespace testing_support

#endif  // TESTS_SUPPORT_XML_PROBE_H_
