// harvester::read_response in the test process, without HTTP: every real
// response of tests/fixtures/real-responses, then truncated and malformed
// input. Counts are checked against libxml2's DOM (tests/support/xml_probe.h),
// which shares no code with the reader.
#include "harvester/response_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/xml_probe.h"

namespace harvester {
namespace {

using testing_support::read_whole_file;
using testing_support::xpath;

const std::string kRealResponses =
    std::string(OAIPMH_SOURCE_DIR) + "/tests/fixtures/real-responses";

std::vector<std::string> real_responses() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kRealResponses)) {
    if (entry.path().extension() == ".xml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string count_of(const std::string& xml, const std::string& verb, const std::string& element) {
  return xpath(xml, "count(/*/*[local-name()='" + verb + "']/*[local-name()='" + element + "'])");
}

// What the reader must find in a response libxml2 parses: its verb, and as
// many records (or headers, formats, sets) as the document holds, each kept
// or rejected; or the errors it carries.
void expect_read_like_the_dom(const std::string& file) {
  const std::string xml = read_whole_file(file);
  const std::string verb =
      xpath(xml, "local-name(/*/*[local-name()!='responseDate' and local-name()!='request'][1])");
  const std::string root = xpath(xml, "local-name(/*)");
  Response response;
  try {
    response = read_response(xml);
  } catch (const ResponseError& error) {
    // Refused: only what is no OAI-PMH document at all (no namespace, a DTD).
    EXPECT_TRUE(root != "OAI-PMH" || xml.find("<!DOCTYPE") != std::string::npos ||
                xpath(xml, "namespace-uri(/*)") != "http://www.openarchives.org/OAI/2.0/")
        << file << ": " << error.what();
    return;
  }
  if (verb == "error") {
    EXPECT_EQ(std::to_string(response.errors.size()),
              xpath(xml, "count(/*/*[local-name()='error'])"))
        << file;
    return;
  }
  EXPECT_EQ(response.verb, verb) << file;
  const auto kept_and_rejected = [&](std::size_t kept) {
    return std::to_string(kept + response.rejected.size());
  };
  if (verb == "ListRecords" || verb == "GetRecord") {
    EXPECT_EQ(kept_and_rejected(response.records.size()), count_of(xml, verb, "record")) << file;
  } else if (verb == "ListIdentifiers") {
    EXPECT_EQ(kept_and_rejected(response.records.size()), count_of(xml, verb, "header")) << file;
  } else if (verb == "ListMetadataFormats") {
    EXPECT_EQ(std::to_string(response.formats.size()), count_of(xml, verb, "metadataFormat"))
        << file;
  } else if (verb == "ListSets") {
    EXPECT_EQ(std::to_string(response.sets.size()), count_of(xml, verb, "set")) << file;
  } else if (verb == "Identify") {
    EXPECT_TRUE(response.identify.has_value()) << file;
  }
  const std::string token = xpath(xml, "normalize-space(//*[local-name()='resumptionToken'])");
  if (!token.empty()) {
    ASSERT_TRUE(response.resumption_token.has_value()) << file;
    EXPECT_EQ(response.resumption_token->value, token) << file;
  }
}

TEST(ResponseReader, ReadsEveryRealResponseAsTheDomDoes_HV15) {
  const auto files = real_responses();
  ASSERT_GT(files.size(), 60u);
  int refused_as_malformed = 0;
  for (const auto& file : files) {
    const std::string xml = read_whole_file(file);
    if (xpath(xml, "count(/*)") != "1") {  // not well-formed for libxml2 either
      EXPECT_THROW(read_response(xml), ResponseError) << file;
      ++refused_as_malformed;
      continue;
    }
    expect_read_like_the_dom(file);
  }
  EXPECT_GE(refused_as_malformed, 1);  // the collection's broken ones
}

TEST(ResponseReader, TruncatedResponsesAreRefusedNeverHalfRead_X1) {
  for (const std::string name :
       {"pyoai/fake2/00002.xml", "sickle/ListRecords.xml", "phpoaipmh/GoodResponseFourPage_1.xml",
        "vufindharvest/oai_doaj.xml"}) {
    const std::string xml = read_whole_file(kRealResponses + "/" + name);
    const std::size_t end = xml.rfind("</OAI-PMH>");
    ASSERT_NE(end, std::string::npos) << name;
    for (int part = 1; part < 20; ++part) {
      const std::size_t cut = end * static_cast<std::size_t>(part) / 20;
      EXPECT_THROW(read_response(std::string_view(xml).substr(0, cut)), ResponseError)
          << name << " cut at " << cut;
    }
  }
}

TEST(ResponseReader, WhatIsNoOaiPmhResponseIsRefusedWithAReason_X1_X4) {
  const std::string ok_start =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><OAI-PMH "
      "xmlns=\"http://www.openarchives.org/OAI/2.0/\">";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"<html><body>Service temporarily unavailable</body></html>", "HTML"},
      {"{\"error\": \"json\"}", "JSON"},
      {ok_start + "<responseDate>2024-01-01T00:00:00Z</responseDate><ListRecords>", "truncated"},
      {"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><OAI-PMH/>", "a DTD"},
      {"<?xml version=\"1.0\"?><OAI-PMH/>", "no responseDate, no namespace"},
      {"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel/></rss>", "another root"},
      {ok_start + "<request>x</request></OAI-PMH>", "no responseDate"},
      {std::string("\x00\x01\x02\x03garbage", 11), "binary"},
      {ok_start +
           "<responseDate>2024-01-01T00:00:00Z</responseDate><Identify><repositoryName>\xC3\x28</"
           "repositoryName></Identify></OAI-PMH>",
       "bad UTF-8"},
  };
  for (const auto& [body, what] : cases) {
    try {
      read_response(body);
      ADD_FAILURE() << what << " was read";
    } catch (const ResponseError& error) {
      EXPECT_FALSE(std::string(error.what()).empty()) << what;
    }
  }
}

TEST(ResponseReader, ErrorsKeepTheirCodesAsSent_E1_E8) {
  const auto response = read_response(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><OAI-PMH "
      "xmlns=\"http://www.openarchives.org/OAI/2.0/\">"
      "<responseDate>2024-01-01T00:00:00Z</responseDate><request>http://x/oai</request>"
      "<error code=\"noRecordsMatch\">none</error><error code=\"NotACode\"/></OAI-PMH>");
  ASSERT_EQ(response.errors.size(), 2u);
  EXPECT_TRUE(response.errors[0].is(oai::ErrorCode::kNoRecordsMatch));
  EXPECT_EQ(response.errors[0].message, "none");
  EXPECT_EQ(response.errors[1].code, "NotACode");
}

TEST(ResponseReader, IllegalCharactersAreRemovedAndCounted_HV15) {
  const auto response = read_response(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><OAI-PMH "
      "xmlns=\"http://www.openarchives.org/OAI/2.0/\">"
      "<responseDate>2024-01-01T00:00:00Z</responseDate><request>http://x/oai</request>"
      "<Identify><repositoryName>A\x01 B&#x1F;</repositoryName></Identify></OAI-PMH>");
  EXPECT_EQ(response.illegal_characters_removed, 2u);
  ASSERT_TRUE(response.identify.has_value());
  EXPECT_EQ(response.identify->repository_name, "A B");
}

}  // namespace
}  // namespace harvester
