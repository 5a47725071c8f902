// Harvests that go wrong on purpose: each test scripts one fault into the
// loopback fixture server (tests/fixture_server/README.md), harvests it with
// the real harvester, and checks what the store holds afterwards and what the
// server was asked. Test names cite the rule ids of docs/protocol.md.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "tests/harvester/harvest_fixture.h"
#include "tests/support/run_command.h"
#include "tests/support/xml_probe.h"

namespace {

using testing_support::file_response;
using testing_support::fixture;
using testing_support::HarvestTest;
using testing_support::json;
using testing_support::run_command;
using testing_support::SqliteProbe;

// The responseDate of every generated list page: the watermark's source (HV-3).
constexpr char kPageDate[] = "2026-11-01T10:00:03Z";
constexpr char kDcOpen[] =
    R"(<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" )"
    R"(xmlns:dc="http://purl.org/dc/elements/1.1/">)";

// One live oai_dc record; `title` is inserted as is (it may hold raw bytes).
std::string record_xml(const std::string& identifier, const std::string& title) {
  return "<record><header><identifier>" + identifier +
         "</identifier><datestamp>2024-05-01T00:00:00Z</datestamp>"
         "<setSpec>physics</setSpec></header><metadata>" +
         kDcOpen + "<dc:title>" + title + "</dc:title><dc:creator>Doe, Jane</dc:creator>" +
         "</oai_dc:dc></metadata></record>";
}

// Records a, b, c... as record_xml() with the title "Title of <id>".
std::string records_xml(std::initializer_list<const char*> identifiers) {
  std::string records;
  for (const char* identifier : identifiers) {
    records += record_xml(identifier, std::string("Title of ") + identifier);
  }
  return records;
}

std::string token_xml(const std::string& token) {
  return "<resumptionToken>" + token + "</resumptionToken>";
}

// A whole ListRecords response around `records` and `token` (elements, may be empty).
std::string list_records_xml(
    const std::string& records, const std::string& token = "",
    const std::string& response_date = kPageDate,
    const std::string& declaration = R"(<?xml version="1.0" encoding="UTF-8"?>)") {
  return declaration + "\n<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><responseDate>" +
         response_date +
         "</responseDate><request verb=\"ListRecords\">http://127.0.0.1/oai</request>"
         "<ListRecords>" +
         records + token + "</ListRecords></OAI-PMH>\n";
}

// An OAI-PMH error response.
std::string error_xml(const std::string& code, const std::string& response_date = kPageDate) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>)"
         "\n<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><responseDate>" +
         response_date + "</responseDate><request>http://127.0.0.1/oai</request><error code=\"" +
         code + "\">" + code + " (fixture)</error></OAI-PMH>\n";
}

json body(const std::string& text, json extra = json::object()) {
  json response = {{"body", text}};
  response.update(extra);
  return response;
}

// A response of raw bytes, for bodies that are not UTF-8 (JSON strings must be).
json raw_body(const std::string& bytes, json extra = json::object()) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (const unsigned char c : bytes) {
    hex += kHex[c >> 4];
    hex += kHex[c & 0xF];
  }
  json response = {{"body_hex", hex}};
  response.update(extra);
  return response;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// The single value of request parameter `key`, or "<absent>".
std::string param(const json& request, const std::string& key) {
  const auto& params = request["params"];
  if (!params.contains(key)) return "<absent>";
  if (params[key].size() != 1) return "<repeated>";
  return params[key][0].get<std::string>();
}

// The names of a request's parameters, sorted (parse_qs keeps them in a JSON object).
std::vector<std::string> param_names(const json& request) {
  std::vector<std::string> names;
  for (const auto& item : request["params"].items()) names.push_back(item.key());
  return names;
}

::testing::AssertionResult Contains(const std::string& haystack, const std::string& needle) {
  if (haystack.find(needle) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << needle << "' not found in: " << haystack;
}

// An XPath expression evaluated by libxml2's DOM: values independent of our reader.
std::string xpath(const std::string& file, const std::string& expression) {
  return testing_support::xpath_in_file(file, expression);
}

// An HTTP date (IMF-fixdate, RFC 9110 §5.6.7) of `when`.
std::string http_date(std::time_t when) {
  std::tm utc{};
  gmtime_r(&when, &utc);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);  // C locale: English names
  return text;
}

class HarvestFaults : public HarvestTest {
 protected:
  // Stops the server and forgets its rules and request log, for a second act.
  void stop_server() {
    server_.reset();
    std::filesystem::remove(dir_.file("requests.jsonl"));
    rules_ = json::array();
  }

  // Harvests and returns the summary with the wall-clock seconds it took.
  harvester::SourceSummary timed_harvest(double& seconds) {
    const auto started = std::chrono::steady_clock::now();
    auto summary = harvest();
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return summary;
  }

  std::vector<std::string> identifiers() {
    return rows("SELECT upstream_identifier FROM records ORDER BY upstream_identifier");
  }

  // result|retries|error of the only run (or the run `id`).
  std::string run_row(int id = 1) {
    return value(
        "SELECT result || '|' || retries || '|' || ifnull(error, '') FROM harvest_runs "
        "WHERE id = " +
        std::to_string(id));
  }

  std::string next_from() { return value("SELECT ifnull(next_from, 'NULL') FROM harvest_lists"); }

  // The watermark after a complete list whose first response was dated
  // `first_response_date`: that date, or (HV-3) up to a small safety margin
  // before it, on the same day; never the harvester's clock.
  void expect_watermark_from(const std::string& first_response_date) {
    const std::string watermark = next_from();
    EXPECT_EQ(watermark.size(), first_response_date.size()) << watermark;
    EXPECT_LE(watermark, first_response_date);
    EXPECT_GE(watermark, first_response_date.substr(0, 10));
  }

  // Every record with what it holds (not our datestamp, which is the clock):
  // equal results mean equal stores of records.
  std::vector<std::string> record_rows() {
    return rows(
        "SELECT r.upstream_identifier, r.metadata_prefix, r.upstream_datestamp, r.deleted, "
        "ifnull(r.metadata, 'NULL'), ifnull(r.about, 'NULL'), r.content_hash, r.harvest_date, "
        "(SELECT group_concat(set_spec, ' ') FROM record_sets s WHERE s.record_id = r.id), "
        "(SELECT group_concat(element || '=' || value, ';') FROM "
        "  (SELECT element, value FROM dc_elements d WHERE d.record_id = r.id ORDER BY position)) "
        "FROM records r ORDER BY r.upstream_identifier");
  }

  // The title stored for `identifier`.
  std::string title_of(const std::string& identifier) {
    return value(
        "SELECT d.value FROM dc_elements d JOIN records r ON r.id = d.record_id "
        "WHERE d.element = 'title' AND r.upstream_identifier = '" +
        identifier + "'");
  }

  // Serves `response` as the whole (one-page) ListRecords list.
  void one_page_list(const json& response) {
    standard_repository();
    on({{"verb", "ListRecords"}}, {response});
    start();
  }

  // For a source that must fail on a malformed or refused response: nothing
  // stored, the run failed, and the raw body quarantined once, byte for byte.
  void expect_quarantined_failure(const harvester::SourceSummary& summary, const std::string& raw,
                                  const std::string& verb) {
    EXPECT_FALSE(summary.ok);
    EXPECT_EQ(count("SELECT count(*) FROM records"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM checkpoints"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM harvest_lists WHERE next_from IS NOT NULL"), 0);
    EXPECT_EQ(value("SELECT result FROM harvest_runs"), "failed");
    EXPECT_EQ(value("SELECT error FROM harvest_runs"), summary.error);
    EXPECT_EQ(summary.quarantined, 1);
    ASSERT_EQ(count("SELECT count(*) FROM quarantine"), 1);
    EXPECT_EQ(value("SELECT raw FROM quarantine"), raw);
    EXPECT_EQ(value("SELECT source_id IS NOT NULL AND run_id = 1 FROM quarantine"), "1");
    EXPECT_TRUE(Contains(value("SELECT request_url FROM quarantine"), "verb=" + verb));
  }
};

// 1. Flow control: a 503 with Retry-After in seconds is waited out, then retried.
TEST_F(HarvestFaults, Retries503WithRetryAfterSeconds_HV7) {
  standard_repository();
  on({{"verb", "ListRecords"}},
     {{{"status", 503}, {"headers", {{"Retry-After", "1"}}}, {"body", "busy"}},
      body(list_records_xml(records_xml({"oai:x:a", "oai:x:b"})))});
  start();
  double seconds = 0;
  const auto summary = timed_harvest(seconds);
  ASSERT_TRUE(summary.ok) << summary.error;
  EXPECT_EQ(identifiers(), (std::vector<std::string>{"oai:x:a", "oai:x:b"}));
  EXPECT_EQ(summary.retries, 1);
  EXPECT_EQ(run_row(), "ok|1|");
  EXPECT_GE(seconds, 0.9) << "Retry-After: 1 was not waited for (backoff alone is 0.05 s)";
  EXPECT_EQ(requests_for("ListRecords").size(), 2u);
  EXPECT_TRUE(Contains(::testing::PrintToString(log_), "HTTP 503; retrying in 1 s"));
  expect_watermark_from(kPageDate);
}

// 2. The same with Retry-After as an HTTP date (IMF-fixdate) a few seconds ahead.
TEST_F(HarvestFaults, Retries503WithRetryAfterHttpDate_HV7) {
  standard_repository();
  // 5 s ahead, cut to the second; the waits expected are measured from the
  // harvest's start, so a slow server start-up on a loaded machine changes
  // nothing. The cap is raised so that a date read wrongly as far away shows
  // as a long wait instead of hiding behind the cap.
  settings_.retry.max_delay_seconds = 10;
  const std::time_t when = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() +
                                                                std::chrono::seconds(5));
  const std::string date = http_date(when);
  on({{"verb", "ListRecords"}}, {{{"status", 503}, {"headers", {{"Retry-After", date}}}},
                                 body(list_records_xml(records_xml({"oai:x:a"})))});
  start();
  const double ahead = std::chrono::duration<double>(std::chrono::system_clock::from_time_t(when) -
                                                     std::chrono::system_clock::now())
                           .count();
  double seconds = 0;
  const auto summary = timed_harvest(seconds);
  ASSERT_TRUE(summary.ok) << summary.error;
  EXPECT_EQ(identifiers(), (std::vector<std::string>{"oai:x:a"}));
  EXPECT_EQ(summary.retries, 1);
  EXPECT_EQ(run_row(), "ok|1|");
  EXPECT_GE(seconds, ahead - 1.0) << "Retry-After: " << date << " was not waited for";
  EXPECT_LT(seconds, ahead + 3.0) << "Retry-After: " << date << " was waited for too long";
  EXPECT_EQ(requests_for("ListRecords").size(), 2u);
}

// 3. Zenodo answers OAI errors with HTTP 422: still an OAI response. An
// incremental harvest that finds nothing new succeeds and moves the watermark.
TEST_F(HarvestFaults, NoRecordsMatchWithHttp422IsSuccess_HV12) {
  standard_repository();
  const std::string later = "2026-11-02T08:00:00Z";
  on({{"verb", "ListRecords"}}, {body(list_records_xml(records_xml({"oai:x:a"}))),
                                 body(error_xml("noRecordsMatch", later), {{"status", 422}})});
  start();
  ASSERT_TRUE(harvest().ok);
  const std::string first_watermark = next_from();
  expect_watermark_from(kPageDate);

  const auto summary = harvest();  // incremental: from the watermark
  ASSERT_TRUE(summary.ok) << summary.error;
  EXPECT_EQ(summary.retries, 0) << "a 422 is not a transient failure";
  EXPECT_EQ(summary.pages, 1);
  EXPECT_EQ(summary.counts.created + summary.counts.updated + summary.counts.deleted, 0);
  EXPECT_EQ(run_row(2), "ok|0|");
  EXPECT_EQ(identifiers(), (std::vector<std::string>{"oai:x:a"}));
  EXPECT_EQ(count("SELECT count(*) FROM checkpoints"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM quarantine"), 0);
  expect_watermark_from(later);
  const auto lists = requests_for("ListRecords");
  ASSERT_EQ(lists.size(), 2u);
  EXPECT_EQ(param(lists[0], "from"), "<absent>");
  EXPECT_EQ(param(lists[1], "from"), first_watermark);
}

// 4. The token expires mid-list (Zenodo: badResumptionToken with HTTP 422):
// the list restarts from its original request and ends complete, no duplicates.
TEST_F(HarvestFaults, ExpiredTokenRestartsTheListFromItsFrom_HV5_HV6) {
  standard_repository();
  settings_.from = "2024-01-01T00:00:00Z";
  on({{"verb", "ListRecords"}, {"resumptionToken", "t1"}},
     {body(error_xml("badResumptionToken"), {{"status", 422}})});
  on({{"verb", "ListRecords"}, {"resumptionToken", "t2"}},
     {body(list_records_xml(records_xml({"oai:x:d", "oai:x:e"}), "<resumptionToken/>"))});
  on({{"verb", "ListRecords"}, {"resumptionToken", nullptr}},
     {body(list_records_xml(records_xml({"oai:x:a", "oai:x:b", "oai:x:c"}), token_xml("t1"))),
      body(list_records_xml(records_xml({"oai:x:a", "oai:x:b", "oai:x:c"}), token_xml("t2"),
                            "2026-11-01T10:05:00Z"))});
  start();
  const auto summary = harvest();
  ASSERT_TRUE(summary.ok) << summary.error;
  EXPECT_EQ(identifiers(),
            (std::vector<std::string>{"oai:x:a", "oai:x:b", "oai:x:c", "oai:x:d", "oai:x:e"}));
  EXPECT_EQ(count("SELECT count(*) FROM dc_elements WHERE element = 'title'"), 5);
  EXPECT_EQ(count("SELECT count(*) FROM record_sets"), 5);
  EXPECT_EQ(summary.counts.created, 5);
  EXPECT_EQ(summary.counts.unchanged, 3);  // the first page again, after the restart
  EXPECT_EQ(count("SELECT count(*) FROM checkpoints"), 0);
  EXPECT_EQ(run_row(), "ok|0|");
  // The watermark is the restarted list's first response, not the refused one's.
  expect_watermark_from("2026-11-01T10:05:00Z");
  EXPECT_GT(next_from(), std::string(kPageDate));

  const auto lists = requests_for("ListRecords");
  ASSERT_EQ(lists.size(), 4u);
  EXPECT_EQ(param(lists[1], "resumptionToken"), "t1");
  for (const std::size_t i : {0u, 2u}) {
    EXPECT_EQ(param_names(lists[i]), (std::vector<std::string>{"from", "metadataPrefix", "verb"}));
    EXPECT_EQ(param(lists[i], "from"), "2024-01-01T00:00:00Z");
    EXPECT_EQ(param(lists[i], "metadataPrefix"), "oai_dc");
  }
  EXPECT_EQ(param(lists[3], "resumptionToken"), "t2");
  EXPECT_TRUE(Contains(::testing::PrintToString(log_), "restarting the list"));
}

// 5. A harvest that dies mid-list leaves a checkpoint; the next run resumes at
// its token, and the store ends as if nothing had happened.
TEST_F(HarvestFaults, ResumesFromCheckpointAfterFailedPage_HV5) {
  settings_.from = "2024-01-01T00:00:00Z";
  const json page1 =
      body(list_records_xml(records_xml({"oai:x:a", "oai:x:b", "oai:x:c"}), token_xml("p2")));
  const json page2 =
      body(list_records_xml(records_xml({"oai:x:d", "oai:x:e"}), "", "2026-11-01T10:00:09Z"));
  // Act 1: the second page fails on every attempt.
  standard_repository();
  on({{"verb", "ListRecords"}, {"resumptionToken", "p2"}},
     {{{"status", 500}, {"body", "upstream database unavailable"}}});
  on({{"verb", "ListRecords"}}, {page1});
  start();
  const auto failed = harvest();
  ASSERT_FALSE(failed.ok);
  EXPECT_TRUE(Contains(failed.error, "HTTP 500 after 4 attempts"));
  EXPECT_EQ(requests_for("ListRecords").size(), 5u);  // page 1, then 4 attempts at page 2
  EXPECT_EQ(failed.retries, 3);
  EXPECT_EQ(run_row(), "failed|3|" + failed.error);
  EXPECT_EQ(identifiers(), (std::vector<std::string>{"oai:x:a", "oai:x:b", "oai:x:c"}));
  EXPECT_EQ(
      rows("SELECT ifnull(window_from, 'NULL'), ifnull(window_until, 'NULL'), "
           "first_response_date, resumption_token, page_number FROM checkpoints"),
      (std::vector<std::string>{"2024-01-01T00:00:00Z|NULL|" + std::string(kPageDate) + "|p2|1"}));
  EXPECT_EQ(next_from(), "NULL");
  EXPECT_EQ(value("SELECT raw FROM quarantine"), "upstream database unavailable");

  // Act 2: another server (another port) that serves the rest.
  stop_server();
  standard_repository();
  on({{"verb", "ListRecords"}, {"resumptionToken", "p2"}}, {page2});
  on({{"verb", "ListRecords"}}, {page1});
  start();
  const auto resumed = harvest();
  ASSERT_TRUE(resumed.ok) << resumed.error;
  const auto lists = requests_for("ListRecords");
  ASSERT_EQ(lists.size(), 1u);
  EXPECT_EQ(param_names(lists[0]), (std::vector<std::string>{"resumptionToken", "verb"}));
  EXPECT_EQ(param(lists[0], "resumptionToken"), "p2");
  EXPECT_EQ(run_row(2), "ok|0|");
  EXPECT_EQ(count("SELECT count(*) FROM checkpoints"), 0);
  expect_watermark_from(kPageDate);  // the first page's date, from the checkpoint
  const auto resumed_records = record_rows();
  ASSERT_EQ(resumed_records.size(), 5u);

  // The same list harvested in one go, into another store.
  stop_server();
  standard_repository();
  on({{"verb", "ListRecords"}, {"resumptionToken", "p2"}}, {page2});
  on({{"verb", "ListRecords"}}, {page1});
  start();
  store_path_ = dir_.file("uninterrupted.sqlite");
  ASSERT_TRUE(harvest().ok);
  EXPECT_EQ(resumed_records, record_rows());
}

// 6a. A server that sends the same token forever: the list stops with an error.
TEST_F(HarvestFaults, RepeatedTokenEndsTheListAsALoop_HV4) {
  standard_repository();
  on({{"verb", "ListRecords"}, {"resumptionToken", nullptr}},
     {body(list_records_xml(records_xml({"oai:x:a", "oai:x:b", "oai:x:c"}), token_xml("same")))});
  on({{"verb", "ListRecords"}},
     {body(list_records_xml(records_xml({"oai:x:d", "oai:x:e", "oai:x:f"}), token_xml("same")))});
  start();
  double seconds = 0;
  const auto summary = timed_harvest(seconds);
  EXPECT_FALSE(summary.ok);
  EXPECT_TRUE(Contains(summary.error, "loop"));
  EXPECT_TRUE(Contains(summary.error, "'same'"));
  EXPECT_EQ(value("SELECT result FROM harvest_runs"), "failed");
  EXPECT_EQ(value("SELECT error FROM harvest_runs"), summary.error);
  EXPECT_EQ(requests_for("ListRecords").size(), 2u);
  EXPECT_LT(seconds, 10.0);
  // The looping page is not committed; the watermark does not move.
  EXPECT_EQ(identifiers(), (std::vector<std::string>{"oai:x:a", "oai:x:b", "oai:x:c"}));
  EXPECT_EQ(next_from(), "NULL");
  // Resuming at the looping token would loop again: the next run restarts
  // the list from its from (HV-5).
  EXPECT_EQ(count("SELECT count(*) FROM checkpoints"), 0);
}

// 6b. A server that serves the same page again under ever new tokens.
TEST_F(HarvestFaults, RepeatedPageEndsTheListAsALoop_HV4) {
  standard_repository();
  const std::string same = records_xml({"oai:x:a", "oai:x:b", "oai:x:c"});
  on({{"verb", "ListRecords"}, {"resumptionToken", nullptr}},
     {body(list_records_xml(same, token_xml("t1")))});
  on({{"verb", "ListRecords"}, {"resumptionToken", "t1"}},
     {body(list_records_xml(same, token_xml("t2")))});
  on({{"verb", "ListRecords"}}, {body(list_records_xml(same, token_xml("t3")))});
  start();
  const auto summary = harvest();
  EXPECT_FALSE(summary.ok);
  EXPECT_TRUE(Contains(summary.error, "loop"));
  EXPECT_EQ(value("SELECT result FROM harvest_runs"), "failed");
  EXPECT_EQ(requests_for("ListRecords").size(), 2u);
  EXPECT_EQ(identifiers(), (std::vector<std::string>{"oai:x:a", "oai:x:b", "oai:x:c"}));
  EXPECT_EQ(next_from(), "NULL");
}

// 7. The last page's token is empty but carries attributes: the list is complete.
TEST_F(HarvestFaults, EmptyTokenWithAttributesEndsTheList_HV4) {
  standard_repository();
  on({{"verb", "ListRecords"}, {"resumptionToken", "t1"}},
     {body(list_records_xml(records_xml({"oai:x:c"}),
                            R"(<resumptionToken completeListSize="3" cursor="2"/>)"))});
  on({{"verb", "ListRecords"}},
     {body(list_records_xml(
         records_xml({"oai:x:a", "oai:x:b"}),
         R"(<resumptionToken completeListSize="3" cursor="0">t1</resumptionToken>)"))});
  start();
  const auto summary = harvest();
  ASSERT_TRUE(summary.ok) << summary.error;
  EXPECT_EQ(identifiers(), (std::vector<std::string>{"oai:x:a", "oai:x:b", "oai:x:c"}));
  EXPECT_EQ(requests_for("ListRecords").size(), 2u);
  EXPECT_EQ(count("SELECT count(*) FROM checkpoints"), 0);
  expect_watermark_from(kPageDate);
  EXPECT_EQ(value("SELECT completed_at IS NOT NULL FROM harvest_lists"), "1");
  EXPECT_EQ(value("SELECT pages FROM harvest_runs"), "2");
}

// 8. White space around a token is not part of it.
TEST_F(HarvestFaults, TokenIsSentWithoutSurroundingWhiteSpace_HV4) {
  standard_repository();
  on({{"verb", "ListRecords"}, {"resumptionToken", "abc"}},
     {body(list_records_xml(records_xml({"oai:x:b"})))});
  on({{"verb", "ListRecords"}},
     {body(list_records_xml(records_xml({"oai:x:a"}),
                            "<resumptionToken>\n   abc  \n</resumptionToken>"))});
  start();
  const auto summary = harvest();
  ASSERT_TRUE(summary.ok) << summary.error;
  const auto lists = requests_for("ListRecords");
  ASSERT_EQ(lists.size(), 2u);
  EXPECT_EQ(lists[1]["query"], "verb=ListRecords&resumptionToken=abc");
  EXPECT_EQ(identifiers(), (std::vector<std::string>{"oai:x:a", "oai:x:b"}));
}

// 9. A token full of URL syntax goes out percent-encoded exactly once, alone.
TEST_F(HarvestFaults, TokenWithUrlSyntaxIsEncodedOnce_HV4) {
  const std::string token = "a%2F&b+c/d==";
  standard_repository();
  on({{"verb", "ListRecords"}, {"resumptionToken", token}},
     {body(list_records_xml(records_xml({"oai:x:b"})))});
  on({{"verb", "ListRecords"}},
     {body(list_records_xml(records_xml({"oai:x:a"}), token_xml("a%2F&amp;b+c/d==")))});
  start();
  const auto summary = harvest();
  ASSERT_TRUE(summary.ok) << summary.error;
  const auto lists = requests_for("ListRecords");
  ASSERT_EQ(lists.size(), 2u);
  EXPECT_EQ(param(lists[1], "resumptionToken"), token);
  EXPECT_EQ(param_names(lists[1]), (std::vector<std::string>{"resumptionToken", "verb"}));
  EXPECT_EQ(lists[1]["query"], "verb=ListRecords&resumptionToken=a%252F%26b%2Bc%2Fd%3D%3D");
  EXPECT_EQ(identifiers(), (std::vector<std::string>{"oai:x:a", "oai:x:b"}));
}

// 10a. ISO-8859-1 declared by the document itself, with raw Latin-1 bytes.
TEST_F(HarvestFaults, Latin1DeclaredInXmlIsStoredAsUtf8_HV15) {
  const std::string page =
      list_records_xml(record_xml("oai:x:latin",
                                  "Caf\xE9 M\xFCller: \xDC"
                                  "ber Stra\xDF"
                                  "e"),
                       "", kPageDate, R"(<?xml version="1.0" encoding="ISO-8859-1"?>)");
  one_page_list(raw_body(page, {{"headers", {{"Content-Type", "text/xml"}}}}));
  const auto summary = harvest();
  ASSERT_TRUE(summary.ok) << summary.error;
  EXPECT_EQ(title_of("oai:x:latin"), "Café Müller: Über Straße");
  EXPECT_TRUE(Contains(value("SELECT metadata FROM records"),
                       "<dc:title>Café Müller: Über Straße</dc:title>"));
  EXPECT_EQ(summary.illegal_characters, 0);
}

// 10b. No encoding in the document; the HTTP Content-Type says ISO-8859-1.
TEST_F(HarvestFaults, Latin1DeclaredInContentTypeIsStoredAsUtf8_HV15) {
  const std::string page = list_records_xml(record_xml("oai:x:latin",
                                                       "Caf\xE9 M\xFCller: \xDC"
                                                       "ber Stra\xDF"
                                                       "e"),
                                            "", kPageDate, R"(<?xml version="1.0"?>)");
  one_page_list(raw_body(page, {{"headers", {{"Content-Type", "text/xml; charset=ISO-8859-1"}}}}));
  const auto summary = harvest();
  ASSERT_TRUE(summary.ok) << summary.error;
  EXPECT_EQ(title_of("oai:x:latin"), "Café Müller: Über Straße");
  EXPECT_TRUE(Contains(value("SELECT metadata FROM records"), "Café Müller: Über Straße"));
}

// 11. Characters XML 1.0 forbids, raw and as references, are removed and counted.
TEST_F(HarvestFaults, IllegalCharactersAreRemovedAndCounted_HV15) {
  // \x0B and \x01 raw, &#x1; and &#xFFFE; references, U+FFFE raw (EF BF BE).
  const std::string dirty = "Ver\x0Btical\x01 tab&#x1; and\xEF\xBF\xBE non&#xFFFE;character";
  const std::string page =
      list_records_xml(record_xml("oai:x:dirty", dirty) + record_xml("oai:x:clean", "Clean title"));
  one_page_list(raw_body(page));
  const auto summary = harvest();
  ASSERT_TRUE(summary.ok) << summary.error;
  EXPECT_EQ(summary.illegal_characters, 5);
  EXPECT_EQ(identifiers(), (std::vector<std::string>{"oai:x:clean", "oai:x:dirty"}));
  EXPECT_EQ(title_of("oai:x:dirty"), "Vertical tab and noncharacter");
  EXPECT_EQ(title_of("oai:x:clean"), "Clean title");
  EXPECT_TRUE(
      Contains(value("SELECT metadata FROM records WHERE upstream_identifier = 'oai:x:dirty'"),
               "<dc:title>Vertical tab and noncharacter</dc:title>"));
  EXPECT_TRUE(Contains(::testing::PrintToString(log_), "removed 5 characters illegal in XML"));
}

// 12. gzip and deflate bodies are decoded; the request headers say who we are.
TEST_F(HarvestFaults, CompressedResponsesAndRequestHeaders_HV9_HV10) {
  on({{"verb", "Identify"}},
     {file_response("harvest/identify-seconds.xml", {{"encoding", "gzip"}})});
  on({{"verb", "ListMetadataFormats"}},
     {file_response("harvest/list-metadata-formats.xml", {{"encoding", "deflate"}})});
  on({{"verb", "ListSets"}}, {file_response("harvest/no-set-hierarchy.xml")});
  on({{"verb", "ListRecords"}, {"resumptionToken", "t1"}},
     {body(list_records_xml(records_xml({"oai:x:b"})), {{"encoding", "deflate"}})});
  on({{"verb", "ListRecords"}},
     {body(list_records_xml(records_xml({"oai:x:a"}), token_xml("t1")), {{"encoding", "gzip"}})});
  start();
  const auto summary = harvest();
  ASSERT_TRUE(summary.ok) << summary.error;
  EXPECT_EQ(identifiers(), (std::vector<std::string>{"oai:x:a", "oai:x:b"}));
  EXPECT_EQ(title_of("oai:x:b"), "Title of oai:x:b");
  EXPECT_EQ(value("SELECT repository_name FROM sources"), "Fixture repository");
  const auto all = requests();
  ASSERT_EQ(all.size(), 5u);
  for (const auto& request : all) {
    const auto& headers = request["headers"];
    const std::string accept = headers.value("accept-encoding", "");
    EXPECT_TRUE(Contains(accept, "gzip"));
    EXPECT_TRUE(Contains(accept, "deflate"));
    EXPECT_TRUE(Contains(accept, "identity;q=0.5"));  // identity with q > 0 (HV-9)
    EXPECT_EQ(headers.value("user-agent", ""), "oaipmh-test/1.0");
    EXPECT_EQ(headers.value("from", ""), "tests@example.org");
  }
}

// 13. A 302 to another path on the server is followed; the list goes on at
// the original baseURL.
TEST_F(HarvestFaults, FollowsRedirectButKeepsTheBaseUrl_HV8) {
  standard_repository();
  on({{"verb", "ListRecords"}, {"resumptionToken", "t1"}},
     {body(list_records_xml(records_xml({"oai:x:b"})))});
  rules_.push_back(
      {{"path", "/oai"},
       {"match", {{"verb", "ListRecords"}}},
       {"responses",
        {{{"status", 302},
          {"headers", {{"Location", "/moved/oai?verb=ListRecords&metadataPrefix=oai_dc"}}}}}}});
  rules_.push_back(
      {{"path", "/moved/oai"},
       {"match", {{"verb", "ListRecords"}}},
       {"responses", {body(list_records_xml(records_xml({"oai:x:a"}), token_xml("t1")))}}});
  start();
  const auto summary = harvest();
  ASSERT_TRUE(summary.ok) << summary.error;
  EXPECT_EQ(identifiers(), (std::vector<std::string>{"oai:x:a", "oai:x:b"}));
  const auto lists = requests_for("ListRecords");
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(lists[0]["path"], "/oai");
  EXPECT_EQ(lists[1]["path"], "/moved/oai");
  EXPECT_EQ(lists[2]["path"], "/oai");
  EXPECT_EQ(param(lists[2], "resumptionToken"), "t1");
  EXPECT_EQ(summary.retries, 0);
}

// 14. A connection reset (on a fresh connection, which libcurl does not
// retry by itself) is retried by the harvester.
TEST_F(HarvestFaults, RetriesAfterConnectionReset_HV5) {
  on({{"verb", "Identify"}},
     {{{"action", "reset"}}, file_response("harvest/identify-seconds.xml")});
  on({{"verb", "ListMetadataFormats"}}, {file_response("harvest/list-metadata-formats.xml")});
  on({{"verb", "ListSets"}}, {file_response("harvest/no-set-hierarchy.xml")});
  on({{"verb", "ListRecords"}}, {body(list_records_xml(records_xml({"oai:x:a"})))});
  start();
  const auto summary = harvest();
  ASSERT_TRUE(summary.ok) << summary.error;
  EXPECT_EQ(summary.retries, 1);
  EXPECT_EQ(run_row(), "ok|1|");
  EXPECT_EQ(requests_for("Identify").size(), 2u);
  EXPECT_EQ(identifiers(), (std::vector<std::string>{"oai:x:a"}));
  EXPECT_EQ(value("SELECT repository_name FROM sources"), "Fixture repository");
}

// 15. A server that stops sending mid-body: each attempt times out
// (low_speed_seconds = 2), the retries are bounded, the source fails.
TEST_F(HarvestFaults, StalledResponseTimesOutAfterBoundedRetries_HV7) {
  settings_.retry.max_attempts = 2;
  // libcurl judges the speed over the last few seconds: a small first half
  // keeps each attempt near low_speed_seconds.
  one_page_list(
      {{"action", "stall"}, {"body", "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">"}});
  double seconds = 0;
  const auto summary = timed_harvest(seconds);
  EXPECT_FALSE(summary.ok);
  EXPECT_TRUE(Contains(summary.error, "timed out"));
  EXPECT_TRUE(Contains(summary.error, "after 2 attempts"));
  EXPECT_TRUE(Contains(summary.error, "verb=ListRecords"));
  EXPECT_EQ(summary.retries, 1);
  EXPECT_EQ(run_row(), "failed|1|" + summary.error);
  EXPECT_EQ(requests_for("ListRecords").size(), 2u);
  EXPECT_EQ(count("SELECT count(*) FROM records"), 0);
  EXPECT_EQ(next_from(), "NULL");
  EXPECT_GE(seconds, 3.5);  // two stalls of about 2 s each
  EXPECT_LT(seconds, 10.0);
}

// 16. A day-granularity repository gets day bounds; its watermark is a day.
TEST_F(HarvestFaults, DayGranularitySourceGetsDayBounds_HV2_HV3) {
  standard_repository("harvest/identify-day.xml");
  settings_.from = "2024-01-01T10:00:00Z";
  settings_.until = "2024-12-31T23:59:59Z";
  on({{"verb", "ListRecords"}}, {body(list_records_xml(records_xml({"oai:x:a"})))});
  start();
  const auto summary = harvest();
  ASSERT_TRUE(summary.ok) << summary.error;
  const auto lists = requests_for("ListRecords");
  ASSERT_EQ(lists.size(), 1u);
  EXPECT_EQ(param(lists[0], "from"), "2024-01-01");
  EXPECT_EQ(param(lists[0], "until"), "2024-12-31");
  EXPECT_EQ(next_from(), "2026-11-01");  // the day of kPageDate
  EXPECT_EQ(value("SELECT granularity FROM sources"), "YYYY-MM-DD");
  EXPECT_EQ(identifiers(), (std::vector<std::string>{"oai:x:a"}));
}

// 17a. An external entity: the DTD is refused before parsing; nothing is read.
TEST_F(HarvestFaults, ExternalEntityIsRefused_X4_HV15) {
  const std::string file = fixture("harvest/xxe-ListRecords.xml");
  one_page_list({{"body_file", file}});
  const auto summary = harvest();
  EXPECT_TRUE(Contains(summary.error, "DOCTYPE"));
  expect_quarantined_failure(summary, read_file(file), "ListRecords");
  std::string passwd_first_line;
  std::getline(std::ifstream("/etc/passwd"), passwd_first_line);
  const std::string store = SqliteProbe(store_path_).dump();
  EXPECT_FALSE(Contains(store, "root:x:0:0"));
  if (!passwd_first_line.empty()) {
    EXPECT_FALSE(Contains(store, passwd_first_line));
  }
}

// 17b. Billion laughs: refused as a DTD, quickly, nothing expanded.
TEST_F(HarvestFaults, EntityExpansionBombIsRefused_X4_HV15) {
  const std::string file = fixture("harvest/billion-laughs-ListRecords.xml");
  one_page_list({{"body_file", file}});
  double seconds = 0;
  const auto summary = timed_harvest(seconds);
  EXPECT_TRUE(Contains(summary.error, "DOCTYPE"));
  expect_quarantined_failure(summary, read_file(file), "ListRecords");
  EXPECT_FALSE(Contains(SqliteProbe(store_path_).dump(), "lollollol"));
  EXPECT_LT(seconds, 5.0);
}

// 17c. The same in UTF-16, where a byte-wise look for "<!DOCTYPE" sees nothing.
TEST_F(HarvestFaults, ExternalEntityInUtf16IsRefused_X4_HV15) {
  std::string utf8 = read_file(fixture("harvest/xxe-ListRecords.xml"));
  utf8.replace(utf8.find("UTF-8"), 5, "UTF-16");
  std::string utf16 = "\xFF\xFE";  // UTF-16LE byte-order mark; the file is ASCII
  for (const char c : utf8) {
    utf16 += c;
    utf16 += '\0';
  }
  one_page_list(raw_body(utf16));
  const auto summary = harvest();
  EXPECT_TRUE(Contains(summary.error, "DOCTYPE"));
  expect_quarantined_failure(summary, utf16, "ListRecords");
  EXPECT_FALSE(Contains(SqliteProbe(store_path_).dump(), "root:x:0:0"));
}

// 18a. Not XML at all (sickle's "broken xml") as the ListRecords response.
TEST_F(HarvestFaults, MalformedListRecordsIsQuarantined_HV15) {
  const std::string file = fixture("real-responses/sickle/ListRecordsBroken.xml");
  one_page_list({{"body_file", file}});
  const auto summary = harvest();
  EXPECT_TRUE(Contains(summary.error, "not well-formed XML"));
  expect_quarantined_failure(summary, read_file(file), "ListRecords");
}

// 18b. Identify with an unclosed element (pyoai fake3).
TEST_F(HarvestFaults, IdentifyWithUnclosedElementIsQuarantined_HV15) {
  const std::string file = fixture("real-responses/pyoai/fake3/00001.xml");
  on({{"verb", "Identify"}}, {{{"body_file", file}}});
  start();
  const auto summary = harvest();
  EXPECT_TRUE(Contains(summary.error, "not well-formed XML"));
  expect_quarantined_failure(summary, read_file(file), "Identify");
  EXPECT_EQ(value("SELECT ifnull(repository_name, 'NULL') FROM sources"), "NULL");
  EXPECT_EQ(requests().size(), 1u);
}

// 18c. Identify with an undefined entity (pyoai fake4).
TEST_F(HarvestFaults, IdentifyWithUndefinedEntityIsQuarantined_HV15) {
  const std::string file = fixture("real-responses/pyoai/fake4/00001.xml");
  on({{"verb", "Identify"}}, {{{"body_file", file}}});
  start();
  const auto summary = harvest();
  EXPECT_TRUE(Contains(summary.error, "bogus"));
  expect_quarantined_failure(summary, read_file(file), "Identify");
  EXPECT_EQ(value("SELECT ifnull(repository_name, 'NULL') FROM sources"), "NULL");
  EXPECT_EQ(requests().size(), 1u);
}

// 19. The seed record: every Dublin Core element stored unchanged and in
// order, its setSpecs, and the raw payload with the abstract intact.
TEST_F(HarvestFaults, SeedRecordIsStoredUnchanged_AG5) {
  const std::string file = fixture("seed/ListRecords-csto-kyrgyzstan.xml");
  one_page_list({{"body_file", file}});
  const auto summary = harvest();
  ASSERT_TRUE(summary.ok) << summary.error;
  ASSERT_EQ(
      identifiers(),
      (std::vector<std::string>{"oai:research.example.org:publications/6b1f0c2e-csto-kyrgyzstan"}));
  EXPECT_EQ(value("SELECT upstream_datestamp FROM records"), "2024-10-03T11:42:07Z");

  // Element names as a literal list; values as xmllint reads them.
  const std::vector<std::string> names = {
      "title", "description", "subject", "subject", "subject", "type",      "type",
      "type",  "language",    "date",    "source",  "format",  "identifier"};
  const std::string dc = "/*[local-name()='OAI-PMH']//*[local-name()='dc']/*";
  ASSERT_EQ(xpath(file, "count(" + dc + ")"), std::to_string(names.size()));
  std::vector<std::string> expected;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string element = dc + "[" + std::to_string(i + 1) + "]";
    ASSERT_EQ(xpath(file, "local-name(" + element + ")"), names[i]);
    expected.push_back(std::to_string(i) + "|" + names[i] + "|" +
                       xpath(file, "string(" + element + ")"));
  }
  EXPECT_EQ(rows("SELECT position, element, value FROM dc_elements ORDER BY position"), expected);
  EXPECT_EQ(count("SELECT count(*) FROM dc_elements WHERE lang IS NOT NULL"), 0);
  EXPECT_EQ(rows("SELECT set_spec FROM record_sets ORDER BY set_spec"),
            (std::vector<std::string>{"publications:journalArticle", "publications:year2024"}));

  const std::string description =
      value("SELECT value FROM dc_elements WHERE element = 'description'");
  EXPECT_TRUE(Contains(description, "alignment with––and adaptation to––the foreign policy"));
  EXPECT_TRUE(Contains(description, "\"collective confusion\" [2]"));
  EXPECT_TRUE(Contains(description, "the Soviet Union's dissolution"));
  const std::string metadata = value("SELECT metadata FROM records");
  EXPECT_TRUE(Contains(metadata, "<dc:description>" + description + "</dc:description>"));
  EXPECT_TRUE(Contains(metadata,
                       "<dc:source>St Antony's International Review, 19(2), 168-194</dc:source>"));
  EXPECT_EQ(metadata.rfind("<oai_dc:dc ", 0), 0u) << metadata.substr(0, 80);
}

// 20. A record without an identifier is quarantined; the rest of its page is stored.
TEST_F(HarvestFaults, RecordWithoutIdentifierIsQuarantined_HV15) {
  const std::string nameless =
      "<record><header><datestamp>2024-05-01T00:00:00Z</datestamp></header><metadata>" +
      std::string(kDcOpen) + "<dc:title>Nameless record</dc:title></oai_dc:dc></metadata></record>";
  one_page_list(
      body(list_records_xml(record_xml("oai:x:a", "A") + nameless + record_xml("oai:x:c", "C"))));
  const auto summary = harvest();
  ASSERT_TRUE(summary.ok) << summary.error;
  EXPECT_EQ(identifiers(), (std::vector<std::string>{"oai:x:a", "oai:x:c"}));
  EXPECT_EQ(summary.quarantined, 1);
  EXPECT_EQ(run_row(), "ok|0|");
  ASSERT_EQ(count("SELECT count(*) FROM quarantine"), 1);
  EXPECT_EQ(value("SELECT error FROM quarantine"), "header without identifier");
  EXPECT_TRUE(Contains(value("SELECT raw FROM quarantine"), "Nameless record"));
  EXPECT_TRUE(Contains(value("SELECT request_url FROM quarantine"), "verb=ListRecords"));
  EXPECT_EQ(value("SELECT run_id FROM quarantine"), "1");
  expect_watermark_from(kPageDate);
}

}  // namespace
