// oai::check_response and the bundled schemas: each sample of
// tests/fixtures/response-samples gives exactly the rule it was made to break.
#include "oai/response_check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "oai/bundled_schemas.h"
#include "oai/xml_schema.h"

namespace oai {
namespace {

const std::string kSamples = std::string(OAIPMH_SOURCE_DIR) + "/tests/fixtures/response-samples/";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::set<std::string> rules_broken(std::string_view document) {
  std::set<std::string> rules;
  for (const auto& finding : check_response(document)) rules.insert(finding.rule);
  return rules;
}

std::string describe(const std::vector<ResponseFinding>& findings) {
  std::string text;
  for (const auto& finding : findings) text += "  [" + finding.rule + "] " + finding.message + "\n";
  return text;
}

const char kErrorResponse[] =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">
<responseDate>2024-05-01T10:00:00Z</responseDate><request>http://example.org/oai</request>
<error code="badVerb">no verb</error></OAI-PMH>
)";

TEST(ResponseCheck, ValidSamplesHaveNoFinding_X5) {
  int samples = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSamples)) {
    const std::string name = entry.path().filename();
    if (name.rfind("valid-", 0) != 0) continue;
    ++samples;
    const auto findings = check_response(read_file(entry.path()));
    EXPECT_TRUE(findings.empty()) << name << ":\n" << describe(findings);
  }
  EXPECT_EQ(samples, 5);
}

TEST(ResponseCheck, EachInvalidSampleBreaksItsRule) {
  const std::map<std::string, std::string> expected = {
      {"invalid-bad-datestamp.xml", "X-5"},
      {"invalid-badargument-echoes-arguments.xml", "X-10"},
      {"invalid-datestamp-fractional-seconds.xml", "D-1"},
      {"invalid-deleted-record-with-metadata.xml", "DR-6"},
      {"invalid-empty-list-page.xml", "X-5"},
      {"invalid-missing-responsedate.xml", "X-5"},
      {"invalid-oai_dc-namespaces-only-on-root.xml", "X-14"},
      {"invalid-oai_dc-unknown-element.xml", "X-5"},
      {"invalid-responsedate-offset.xml", "X-7"},
      {"invalid-wrong-namespace.xml", "X-5"},
  };
  int samples = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSamples)) {
    const std::string name = entry.path().filename();
    if (name.rfind("invalid-", 0) != 0) continue;
    ++samples;
    ASSERT_EQ(expected.count(name), 1u) << name << " has no expected rule in this test";
    const auto findings = check_response(read_file(entry.path()));
    EXPECT_EQ(rules_broken(read_file(entry.path())).count(expected.at(name)), 1u)
        << name << " should break " << expected.at(name) << ", found:\n"
        << describe(findings);
  }
  EXPECT_EQ(samples, static_cast<int>(expected.size()));
}

TEST(ResponseCheck, NotWellFormedIsX1) {
  EXPECT_EQ(rules_broken("<?xml version=\"1.0\" encoding=\"UTF-8\"?><OAI-PMH><a></OAI-PMH>"),
            std::set<std::string>{"X-1"});
  EXPECT_EQ(rules_broken(""), (std::set<std::string>{"X-1", "X-3"}));
}

TEST(ResponseCheck, NotUtf8IsX2) {
  std::string document = kErrorResponse;
  document.replace(document.find("no verb"), 7, "caf\xE9");
  EXPECT_EQ(rules_broken(document).count("X-2"), 1u);
}

TEST(ResponseCheck, DeclarationWithoutEncodingIsX3) {
  std::string document = kErrorResponse;
  document.replace(0, document.find("?>") + 2, "<?xml version=\"1.0\"?>");
  EXPECT_EQ(rules_broken(document), std::set<std::string>{"X-3"});
  EXPECT_TRUE(check_response(kErrorResponse).empty()) << describe(check_response(kErrorResponse));
}

TEST(ResponseCheck, DoctypeIsX4AndFetchesNothing) {
  std::string document = kErrorResponse;
  document.insert(document.find("<OAI-PMH"),
                  "<!DOCTYPE OAI-PMH SYSTEM \"http://127.0.0.1:9/never.dtd\">\n");
  EXPECT_EQ(rules_broken(document).count("X-4"), 1u);
}

TEST(ResponseCheck, RootWithoutSchemaLocationIsX6) {
  std::string document = kErrorResponse;
  const auto at = document.find(" xsi:schemaLocation=");
  document.erase(at, document.find('>', at) - at);
  EXPECT_EQ(rules_broken(document), std::set<std::string>{"X-6"});
}

TEST(XmlSchema, EveryBundledSchemaIsFoundByItsPublishedUrl) {
  EXPECT_FALSE(bundled_schema_for_url("http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd").empty());
  EXPECT_FALSE(bundled_schema_for_url("https://www.openarchives.org/OAI/2.0/oai_dc.xsd").empty());
  EXPECT_FALSE(
      bundled_schema_for_url("http://dublincore.org/schemas/xmls/simpledc20021212.xsd").empty());
  EXPECT_FALSE(bundled_schema_for_url("http://www.w3.org/2001/03/xml.xsd").empty());
  EXPECT_TRUE(bundled_schema_for_url("http://www.openarchives.org/OAI/2.0/missing.xsd").empty());
  EXPECT_TRUE(bundled_schema_for_url("file:///etc/passwd").empty());
  EXPECT_TRUE(bundled_schema_for_url("http://evil.example/OAI/2.0/OAI-PMH.xsd").empty());
  EXPECT_EQ(kBundledSchemas.size(), 9u);
}

TEST(XmlSchema, OaiDcAloneAcceptsDublinCoreAndRejectsOtherElements_DC1) {
  const std::string dc =
      R"(<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">)"
      R"(<dc:title xml:lang="en">A title</dc:title>%s</oai_dc:dc>)";
  auto with = [&](const std::string& extra) {
    std::string text = dc;
    text.replace(text.find("%s"), 2, extra);
    return text;
  };
  EXPECT_TRUE(XmlSchema::oai_dc().validate(with("")).empty());
  EXPECT_FALSE(XmlSchema::oai_dc().validate(with("<dc:abstract>x</dc:abstract>")).empty());
  EXPECT_FALSE(XmlSchema::oai_dc().validate("not xml").empty());
}

}  // namespace
}  // namespace oai

namespace oai {
namespace {

// A valid GetRecord of format `marc` whose payload is `payload`.
std::string get_record_with(const std::string& payload) {
  std::string document = read_file(kSamples + "valid-getrecord-oai_dc.xml");
  const auto prefix = document.find("metadataPrefix=\"oai_dc\"");
  document.replace(prefix, 23, "metadataPrefix=\"marc\"");
  const auto start = document.find("<metadata>") + 10;
  const auto end = document.find("</metadata>");
  return document.replace(start, end - start, payload);
}

std::set<std::string> rules_broken(std::string_view document, PayloadValidation payloads) {
  std::set<std::string> rules;
  for (const auto& finding : check_response(document, payloads)) rules.insert(finding.rule);
  return rules;
}

TEST(PayloadValidation, UnknownFormatsFailOnlyWhenEveryPayloadIsJudged_X5) {
  const std::string document =
      get_record_with("<m:record xmlns:m=\"http://example.org/marc/\"><m:leader/></m:record>");
  EXPECT_EQ(rules_broken(document, PayloadValidation::kAll), std::set<std::string>{"X-5"});
  EXPECT_TRUE(rules_broken(document, PayloadValidation::kKnown).empty());
  EXPECT_TRUE(rules_broken(document, PayloadValidation::kNone).empty());
}

TEST(PayloadValidation, InvalidOaiDcFailsUnlessOnlyTheEnvelopeIsJudged_X5) {
  const std::string document = read_file(kSamples + "invalid-oai_dc-unknown-element.xml");
  EXPECT_TRUE(rules_broken(document, PayloadValidation::kAll).count("X-5"));
  EXPECT_TRUE(rules_broken(document, PayloadValidation::kKnown).count("X-5"));
  EXPECT_FALSE(rules_broken(document, PayloadValidation::kNone).count("X-5"));
}

TEST(PayloadValidation, TheEnvelopeIsJudgedWhateverThePayload_X5) {
  std::string document =
      get_record_with("<m:record xmlns:m=\"http://example.org/marc/\"><m:leader/></m:record>");
  document.replace(document.find("<datestamp>"), 11, "<datestampx>");
  document.replace(document.find("</datestamp>"), 12, "</datestampx>");
  EXPECT_TRUE(rules_broken(document, PayloadValidation::kNone).count("X-5"));
}

}  // namespace
}  // namespace oai
