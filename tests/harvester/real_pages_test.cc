// Every ListRecords, ListIdentifiers and GetRecord page among the real
// responses (tests/fixtures/real-responses/MANIFEST.md) is harvested from a
// loopback server, and the store holds as many records as the page has.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "tests/harvester/harvest_fixture.h"
#include "tests/support/xml_probe.h"

namespace {

using testing_support::file_response;
using testing_support::fixture;
using testing_support::HarvestTest;
using testing_support::json;

const std::string kRealResponses = fixture("real-responses");

// An XPath expression evaluated by libxml2's DOM: values independent of our reader.
std::string xpath(const std::string& file, const std::string& expression) {
  return testing_support::xpath_in_file(file, expression);
}

std::string verb_of(const std::string& file) {
  return xpath(file,
               "local-name(/*[local-name()='OAI-PMH']/*[local-name()!='responseDate' and "
               "local-name()!='request'][1])");
}

struct PageFixture {
  std::string file;  // relative to real-responses/
  std::string verb;
};

std::vector<PageFixture> page_fixtures() {
  std::vector<PageFixture> pages;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kRealResponses)) {
    if (entry.path().extension() != ".xml") continue;
    const std::string verb = verb_of(entry.path().string());
    if (verb == "ListRecords" || verb == "ListIdentifiers" || verb == "GetRecord") {
      pages.push_back({std::filesystem::relative(entry.path(), kRealResponses).string(), verb});
    }
  }
  std::sort(pages.begin(), pages.end(),
            [](const auto& a, const auto& b) { return a.file < b.file; });
  return pages;
}

void PrintTo(const PageFixture& page, std::ostream* out) { *out << page.file; }

class RealPageTest : public HarvestTest, public ::testing::WithParamInterface<PageFixture> {};

TEST_P(RealPageTest, StoresEveryRecordOfThePage_HV4_HV15) {
  const auto& page = GetParam();
  const std::string path = kRealResponses + "/" + page.file;
  const json as_is = {{"body_file", path}};
  std::string expected;
  standard_repository();
  if (page.verb == "ListRecords") {
    expected = xpath(path, "count(/*/*[local-name()='ListRecords']/*[local-name()='record'])");
    on({{"verb", "ListRecords"}, {"resumptionToken", nullptr}}, {as_is});
    on({{"verb", "ListRecords"}}, {file_response("harvest/last-empty-page-ListRecords.xml")});
  } else if (page.verb == "ListIdentifiers") {
    settings_.list_identifiers = true;
    expected = xpath(path, "count(/*/*[local-name()='ListIdentifiers']/*[local-name()='header'])");
    on({{"verb", "ListIdentifiers"}, {"resumptionToken", nullptr}}, {as_is});
    on({{"verb", "ListIdentifiers"}},
       {file_response("harvest/last-empty-page-ListIdentifiers.xml")});
    on({{"verb", "GetRecord"}}, {file_response("harvest/get-record-echo.xml")});
  } else {
    settings_.list_identifiers = true;
    expected = xpath(path, "count(/*/*[local-name()='GetRecord']/*[local-name()='record'])");
    on({{"verb", "ListIdentifiers"}}, {file_response("harvest/list-identifiers-one.xml")});
    on({{"verb", "GetRecord"}}, {as_is});
  }
  start();
  const auto summary = harvest();
  ASSERT_TRUE(summary.ok) << page.file << ": " << summary.error;
  EXPECT_EQ(std::to_string(count("SELECT count(*) FROM records") +
                           count("SELECT count(*) FROM quarantine")),
            expected)
      << page.file;
  EXPECT_EQ(value("SELECT result FROM harvest_runs"), "ok");
}

INSTANTIATE_TEST_SUITE_P(RealResponses, RealPageTest, ::testing::ValuesIn(page_fixtures()),
                         [](const auto& info) {
                           std::string name = info.param.file;
                           for (char& c : name) {
                             if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
                           }
                           return name;
                         });

}  // namespace
