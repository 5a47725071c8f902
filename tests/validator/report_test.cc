// The validator's report: how observations become verdicts, and the three
// ways of writing them. In-process; the checks themselves are tested against
// real servers by tests/validate/validate_test.py.
#include "validator/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "oai/xml_schema.h"

namespace validator {
namespace {

const CheckResult& result_of(const std::vector<CheckResult>& results, std::string_view name) {
  for (const auto& result : results)
    if (result.check->name == name) return result;
  throw std::runtime_error("no result for " + std::string(name));
}

TEST(Checks, NamesAreUniqueAndEachCitesARule) {
  std::set<std::string_view> names;
  for (const auto& check : all_checks()) {
    EXPECT_TRUE(names.insert(check.name).second) << check.name;
    EXPECT_FALSE(check.rules.empty()) << check.name;
    EXPECT_EQ(check.name.substr(0, check.name.find('.')), group_name(check.group)) << check.name;
    EXPECT_EQ(find_check(check.name), &check);
  }
  EXPECT_EQ(find_check("no.such-check"), nullptr);
}

TEST(Report, OneFailureDecidesAndTheRestAreCounted) {
  Report report;
  report.pass("xml.schema");
  report.fail("xml.schema", "line 3: bad", "GET http://x/oai?verb=Identify");
  report.fail("xml.schema", "line 9: worse", "GET http://x/oai?verb=ListSets");
  report.pass("xml.schema");
  const auto results = report.results();
  const auto& result = result_of(results, "xml.schema");
  EXPECT_EQ(result.verdict, Verdict::kFail);
  EXPECT_EQ(result.message, "line 3: bad (and 1 more)");
  EXPECT_EQ(result.request, "GET http://x/oai?verb=Identify");
  EXPECT_EQ(result.observed, 4);
}

TEST(Report, PassesCountAndUnexercisedChecksAreSkipped) {
  Report report;
  report.pass("http.redirects", "no redirect");
  report.pass("http.redirects", "no redirect");
  report.skip("errors.finer-granularity", "seconds granularity");
  const auto results = report.results();
  EXPECT_EQ(result_of(results, "http.redirects").verdict, Verdict::kPass);
  EXPECT_EQ(result_of(results, "http.redirects").message, "no redirect (2 times)");
  EXPECT_EQ(result_of(results, "errors.finer-granularity").verdict, Verdict::kSkipped);
  EXPECT_EQ(result_of(results, "errors.finer-granularity").message, "seconds granularity");
  EXPECT_EQ(result_of(results, "xml.schema").verdict, Verdict::kSkipped);
  EXPECT_EQ(result_of(results, "xml.schema").message, "not exercised");
}

TEST(Report, AdviceNeverFails) {
  Report report;
  report.fail("harvest.page-size", "pages of 2");
  const auto results = report.results();
  EXPECT_EQ(result_of(results, "harvest.page-size").verdict, Verdict::kWarning);
  EXPECT_EQ(count(report.results()).failed, 0);
}

TEST(Report, OnlyTheGroupsAsked) {
  Report report;
  const auto results = report.results({Group::kErrors});
  ASSERT_FALSE(results.empty());
  for (const auto& result : results) EXPECT_EQ(result.check->group, Group::kErrors);
}

Report sample() {
  Report report;
  report.pass("identify.answers", "Identify of 'A & B'");
  report.fail("identify.base-url", "baseURL is '<x>'", "GET http://h/oai?verb=Identify&a=\"1\"");
  report.warn("harvest.page-size", "pages of 2");
  return report;
}

TEST(Report, JsonHasEveryCheckAndTheSummary) {
  std::ostringstream out;
  write_json(out, {"http://h/oai", 12, 1.5, ""}, sample().results());
  const auto json = nlohmann::json::parse(out.str());
  EXPECT_EQ(json["base_url"], "http://h/oai");
  EXPECT_EQ(json["requests"], 12);
  EXPECT_EQ(json["summary"]["failed"], 1);
  EXPECT_EQ(json["summary"]["warnings"], 1);
  EXPECT_EQ(json["checks"].size(), all_checks().size());
  for (const auto& check : json["checks"]) {
    if (check["name"] != "identify.base-url") continue;
    EXPECT_EQ(check["verdict"], "fail");
    EXPECT_EQ(check["rules"], "V-ID-3");
    EXPECT_EQ(check["group"], "identify");
    EXPECT_EQ(check["request"], "GET http://h/oai?verb=Identify&a=\"1\"");
  }
}

TEST(Report, JunitIsWellFormedWithOneTestCaseEach) {
  std::ostringstream out;
  write_junit(out, {"http://h/oai?x=<1>", 12, 1.5, ""}, sample().results());
  std::vector<std::string> errors;
  const auto doc = oai::parse_xml(out.str(), errors);
  ASSERT_NE(doc, nullptr) << out.str();
  const std::string text = out.str();
  std::size_t cases = 0;
  for (auto at = text.find("<testcase "); at != std::string::npos;
       at = text.find("<testcase ", at + 1))
    ++cases;
  EXPECT_EQ(cases, all_checks().size());
  EXPECT_NE(text.find("failures=\"1\""), std::string::npos);
  EXPECT_NE(text.find("&lt;x&gt;"), std::string::npos);
}

TEST(Report, TextGroupsByVerbAndEndsWithTheSummary) {
  std::ostringstream out;
  write_text(out, {"http://h/oai", 12, 1.5, "the budget is used up"}, sample().results(), false,
             false);
  const std::string text = out.str();
  EXPECT_LT(text.find("\nIdentify\n"), text.find("\nErrors\n"));
  EXPECT_NE(text.find("FAIL identify.base-url"), std::string::npos);
  EXPECT_NE(text.find("wants: baseURL is the URL Identify was asked at"), std::string::npos);
  EXPECT_NE(text.find("Stopped early: the budget is used up"), std::string::npos);
  EXPECT_NE(text.find("Summary: 1 passed, 1 warning, 1 failed"), std::string::npos);
  EXPECT_EQ(text.find("\033["), std::string::npos);
  std::ostringstream coloured;
  write_text(coloured, {"http://h/oai", 12, 1.5, ""}, sample().results(), false, true);
  EXPECT_NE(coloured.str().find("\033[1;31mFAIL"), std::string::npos);
}

}  // namespace
}  // namespace validator
