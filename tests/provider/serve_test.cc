// A real `oaipmh serve` over HTTP on 127.0.0.1, serving a store harvested from
// fixtures: the seed record, two real repositories' pages (DSpace, 81 records
// with deletions; ArchivesSpace, 25), 2,000 synthetic records with sets and
// deletions.
// Every response a test receives is checked with oai::check_response (the
// bundled schemas and the rules of one document). Test names cite the rule
// ids of docs/protocol.md.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <thread>

#include "tests/support/fixture_server.h"
#include "tests/support/http.h"
#include "tests/support/page_chain.h"
#include "tests/support/run_command.h"
#include "tests/support/serve_process.h"
#include "tests/support/sqlite_probe.h"
#include "tests/support/temp_dir.h"
#include "tests/support/xml_probe.h"

namespace {

using testing_support::FixtureServer;
using testing_support::http_request;
using testing_support::HttpResult;
using testing_support::percent_encoded;
using testing_support::response_problems;
using testing_support::run_command;
using testing_support::ServeProcess;
using testing_support::SqliteProbe;
using testing_support::TempDir;
using testing_support::xpath;
using testing_support::xpath_in_file;

const std::string kOaipmh = OAIPMH_BINARY;
const std::string kFixtures = std::string(OAIPMH_SOURCE_DIR) + "/tests/fixtures";
constexpr int kChainRecords = 2000;

// The store every test serves, made once: harvested with `oaipmh harvest`
// from the fixture server.
class ServeTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    store_ = dir_->file("store.sqlite");
    harvest_fixtures(store_);
    server_ = new ServeProcess({"--store", store_, "--repository-identifier", "test.example.org"});
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  // Harvests the seed record (source "csto") and a synthetic chain ("chain").
  static void harvest_fixtures(const std::string& store) {
    const std::string work = dir_->file("fixtures");
    std::filesystem::create_directories(work + "/chain");
    write_scenario(work);
    FixtureServer upstream(work + "/scenario.json", work + "/requests.jsonl");
    std::ofstream(work + "/oaipmh.toml")
        << "store = \"" << store
        << "\"\n[harvest]\npoliteness_delay = 0\nuse_declared_base_url = false\n"
        << "[[source]]\nname = \"csto\"\nurl = \"" << upstream.base_url("/csto") << "\"\n"
        << "[[source]]\nname = \"chain\"\nurl = \"" << upstream.base_url("/chain") << "\"\n"
        << "[[source]]\nname = \"dspace\"\nurl = \"" << upstream.base_url("/dspace") << "\"\n"
        << "[[source]]\nname = \"aspace\"\nurl = \"" << upstream.base_url("/aspace") << "\"\n";
    const auto result = run_command(kOaipmh + " harvest --config " + work + "/oaipmh.toml");
    if (result.exit_status != 0)
      throw std::runtime_error("fixture harvest failed: " + result.output);
  }

  // The fixture server's scenario: Identify, formats and sets for both
  // sources, the seed page for csto, a five-page chain for chain.
  static void write_scenario(const std::string& work) {
    auto chain = testing_support::write_page_chain(work + "/chain", 20, kChainRecords / 20);
    for (auto& rule : chain) rule["path"] = "/chain";
    const std::string harvest = kFixtures + "/harvest/";
    std::string rules;
    for (const std::string path : {"/csto", "/chain", "/dspace", "/aspace"}) {
      rules += R"({"path": ")" + path +
               R"(", "match": {"verb": "Identify"}, "responses": [{"body_file": ")" + harvest +
               R"(identify-seconds.xml", "body_template": true}]},)";
      rules += R"({"path": ")" + path +
               R"(", "match": {"verb": "ListMetadataFormats"}, "responses": [{"body_file": ")" +
               harvest + R"(list-metadata-formats.xml", "body_template": true}]},)";
      rules += R"({"path": ")" + path +
               R"(", "match": {"verb": "ListSets"}, "responses": [{"body_file": ")" + harvest +
               R"(list-sets.xml", "body_template": true}]},)";
    }
    rules +=
        R"({"path": "/csto", "match": {"verb": "ListRecords"}, "responses": [{"body_file": ")" +
        kFixtures + R"(/seed/ListRecords-csto-kyrgyzstan.xml"}]},)";
    rules +=
        R"({"path": "/dspace", "match": {"verb": "ListRecords"}, "responses": [{"body_file": ")" +
        kFixtures + R"(/real-responses/pyoai/fake2/00002.xml"}]},)";
    rules +=
        R"({"path": "/aspace", "match": {"verb": "ListRecords", "resumptionToken": null}, "responses": [{"body_file": ")" +
        kFixtures + R"(/real-responses/oai-pmh-rs/list_records.xml"}]},)";
    rules +=
        R"({"path": "/aspace", "match": {"verb": "ListRecords"}, "responses": [{"body_file": ")" +
        harvest + R"(last-empty-page-ListRecords.xml", "body_template": true}]},)";
    rules += chain.dump().substr(1, chain.dump().size() - 2);
    std::ofstream(work + "/scenario.json") << R"({"rules": [)" << rules << "]}";
  }

 protected:
  void TearDown() override {
    for (const auto& [query, body] : responses_) {
      EXPECT_EQ(response_problems(body), "") << "the response to " << query << " is not valid";
    }
  }

  // GETs `query` from our repository; the body is kept for validation.
  HttpResult oai(const std::string& query, const std::vector<std::string>& headers = {}) {
    auto result = http_request(server_->base_url() + "?" + query, headers);
    keep(query, result);
    return result;
  }

  HttpResult oai_post(const std::string& body) {
    auto result = http_request(server_->base_url(),
                               {"Content-Type: application/x-www-form-urlencoded"}, &body);
    keep("POST " + body, result);
    return result;
  }

  void keep(const std::string& query, const HttpResult& result) {
    if (result.status != 200 || result.header("Content-Encoding") != "") return;
    responses_.emplace_back(query, result.body);
  }
  static std::string count(const std::string& xml, const std::string& element) {
    return xpath(xml, "count(//*[local-name()='" + element + "'])");
  }
  static std::string error_code(const std::string& xml) {
    return xpath(xml, "string(//*[local-name()='error']/@code)");
  }
  static std::string token(const std::string& xml) {
    return xpath(xml, "string(//*[local-name()='resumptionToken'])");
  }
  static bool request_has_attributes(const std::string& xml) {
    return xpath(xml, "count(//*[local-name()='request']/@*)") != "0";
  }

  static std::string seed_identifier() {
    // '/' and ':' are reserved characters, which stay unescaped (OI-2).
    return "oai:test.example.org:csto/oai:research.example.org:publications/"
           "6b1f0c2e-csto-kyrgyzstan";
  }

  static TempDir* dir_;
  static std::string store_;
  static ServeProcess* server_;
  std::vector<std::pair<std::string, std::string>> responses_;  // query, body
};

TempDir* ServeTest::dir_ = nullptr;
std::string ServeTest::store_;
ServeProcess* ServeTest::server_ = nullptr;

TEST_F(ServeTest, IdentifyDescribesTheRepository_VID2_VID3_H9) {
  const auto result = oai("verb=Identify");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.header("Content-Type"), "text/xml; charset=UTF-8");
  EXPECT_EQ(xpath(result.body, "string(//*[local-name()='baseURL'])"), server_->base_url());
  EXPECT_EQ(xpath(result.body, "string(//*[local-name()='request'])"), server_->base_url());
  EXPECT_EQ(xpath(result.body, "string(//*[local-name()='deletedRecord'])"), "persistent");
  EXPECT_EQ(xpath(result.body, "string(//*[local-name()='granularity'])"), "YYYY-MM-DDThh:mm:ssZ");
  EXPECT_EQ(count(result.body, "compression"), "2");
  EXPECT_EQ(xpath(result.body, "string(//*[local-name()='repositoryIdentifier'])"),
            "test.example.org");
  EXPECT_EQ(count(result.body, "friends"), "1");
}

TEST_F(ServeTest, IdentifyRejectsArguments_VID1) {
  const auto result = oai("verb=Identify&set=x");
  EXPECT_EQ(error_code(result.body), "badArgument");
  EXPECT_FALSE(request_has_attributes(result.body));
}

TEST_F(ServeTest, MissingWrongCaseOrRepeatedVerbIsBadVerb_H4_X10) {
  for (const std::string query :
       {"", "verb=identify", "verb=Identify&verb=Identify", "verb=Frobnicate"}) {
    const auto result = oai(query);
    EXPECT_EQ(result.status, 200) << query;  // OAI errors are HTTP 200 (H-7)
    EXPECT_EQ(error_code(result.body), "badVerb") << query;
    EXPECT_FALSE(request_has_attributes(result.body)) << query;
  }
}

TEST_F(ServeTest, IllegalArgumentsAreBadArgument_H5_R4_D5_D6_D7) {
  for (const std::string query :
       {"verb=ListRecords", "verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc",
        "verb=ListRecords&metadataPrefix=oai_dc&bogus=1",
        "verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=x",
        "verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01&until=2024-01-02T00:00:00Z",
        "verb=ListRecords&metadataPrefix=oai_dc&from=2024-02-01&until=2024-01-01",
        "verb=ListRecords&metadataPrefix=oai_dc&from=2024-02-30",
        "verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01T10:00:00%2B01:00",
        "verb=GetRecord&identifier=x", "verb=GetRecord&identifier=&metadataPrefix=oai_dc",
        "verb=ListIdentifiers&metadataPrefix=oai%20dc", "verb=ListSets&set=x",
        "verb=ListRecords&metadataPrefix=oai_dc&set=a::b", "verb=Identify&x=%zz"}) {
    const auto result = oai(query);
    EXPECT_EQ(error_code(result.body), "badArgument") << query;
    EXPECT_FALSE(request_has_attributes(result.body)) << query;
  }
}

TEST_F(ServeTest, GetRecordServesTheSeedUnchanged_VGR5_AG3_AG4) {
  const auto result =
      oai("verb=GetRecord&metadataPrefix=oai_dc&identifier=" + percent_encoded(seed_identifier()));
  ASSERT_EQ(error_code(result.body), "") << result.body;
  EXPECT_EQ(xpath(result.body, "string(//*[local-name()='header']/*[local-name()='identifier'])"),
            seed_identifier());
  EXPECT_EQ(xpath(result.body, "string(//*[local-name()='title'])"),
            "CSTO and the agency of small members: the case of Kyrgyzstan");
  const std::string seed = kFixtures + "/seed/ListRecords-csto-kyrgyzstan.xml";
  EXPECT_EQ(xpath(result.body, "string(//*[local-name()='dc']/*[local-name()='description'])"),
            xpath_in_file(seed, "string(//*[local-name()='description'])"));
  EXPECT_EQ(xpath(result.body,
                  "string(//*[local-name()='originDescription']/*[local-name()='identifier'])"),
            "oai:research.example.org:publications/6b1f0c2e-csto-kyrgyzstan");
  EXPECT_EQ(xpath(result.body, "string(//*[local-name()='originDescription']/@altered)"), "false");
  // Set membership below the source (S-4, AG): csto:publications:year2024.
  EXPECT_EQ(
      xpath(result.body, "count(//*[local-name()='setSpec'][.='csto:publications:year2024'])"),
      "1");
  // Echo of the arguments (X-9).
  EXPECT_EQ(xpath(result.body, "string(//*[local-name()='request']/@identifier)"),
            seed_identifier());
}

TEST_F(ServeTest, GetRecordOfDeletedRecordIsHeaderOnly_DR6_VGR6) {
  const auto identifier = "oai:test.example.org:chain/" + testing_support::chain_identifier(9);
  const auto result =
      oai("verb=GetRecord&metadataPrefix=oai_dc&identifier=" + percent_encoded(identifier));
  EXPECT_EQ(xpath(result.body, "string(//*[local-name()='header']/@status)"), "deleted");
  EXPECT_EQ(count(result.body, "metadata"), "0");
  EXPECT_EQ(count(result.body, "about"), "0");
}

TEST_F(ServeTest, GetRecordErrors_E5_E4_E10) {
  auto result = oai(
      "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai%3Atest.example.org%3Acsto%2Fnothing");
  EXPECT_EQ(error_code(result.body), "idDoesNotExist");
  EXPECT_TRUE(request_has_attributes(result.body));  // X-11
  result = oai("verb=GetRecord&metadataPrefix=oai_dc&identifier=not-ours");
  EXPECT_EQ(error_code(result.body), "idDoesNotExist");
  result =
      oai("verb=GetRecord&metadataPrefix=marcxml&identifier=" + percent_encoded(seed_identifier()));
  EXPECT_EQ(error_code(result.body), "cannotDisseminateFormat");
  result = oai("verb=GetRecord&metadataPrefix=marcxml&identifier=nothing");
  EXPECT_EQ(count(result.body, "error"), "2");
}

TEST_F(ServeTest, ListMetadataFormats_VLMF2_VLMF3) {
  auto result = oai("verb=ListMetadataFormats");
  EXPECT_EQ(xpath(result.body, "string(//*[local-name()='metadataPrefix'])"), "oai_dc");
  EXPECT_EQ(xpath(result.body, "string(//*[local-name()='schema'])"),
            "http://www.openarchives.org/OAI/2.0/oai_dc.xsd");
  result = oai("verb=ListMetadataFormats&identifier=" + percent_encoded(seed_identifier()));
  EXPECT_EQ(count(result.body, "metadataFormat"), "1");
  result = oai("verb=ListMetadataFormats&identifier=oai%3Atest.example.org%3Acsto%2Fnothing");
  EXPECT_EQ(error_code(result.body), "idDoesNotExist");
}

TEST_F(ServeTest, ListSetsHasSourcesAndTheirSets_S2_S5) {
  const auto result = oai("verb=ListSets");
  EXPECT_EQ(xpath(result.body, "count(//*[local-name()='setSpec'][.='csto'])"), "1");
  EXPECT_EQ(
      xpath(result.body, "count(//*[local-name()='setSpec'][.='csto:publications:year2024'])"),
      "1");
  EXPECT_EQ(xpath(result.body,
                  "string(//*[local-name()='set'][*[local-name()='setSpec']='csto:publications']/"
                  "*[local-name()='setName'])"),
            "Publications");
}

TEST_F(ServeTest, ListRecordsWalksEveryRecordOnce_R1_R2_R8_V_LR) {
  const int total = std::stoi(SqliteProbe(store_).value("SELECT count(*) FROM records"));
  std::string query = "verb=ListRecords&metadataPrefix=oai_dc";
  int records = 0, pages = 0;
  std::set<std::string> seen;
  std::string last;
  const std::regex header_identifier("<header[^>]*><identifier>([^<]+)</identifier>");
  while (true) {
    const auto result = oai(query);
    ASSERT_EQ(error_code(result.body), "") << result.body.substr(0, 2000);
    int n = 0;
    for (auto it = std::sregex_iterator(result.body.begin(), result.body.end(), header_identifier);
         it != std::sregex_iterator(); ++it, ++n) {
      seen.insert((*it)[1].str());
    }
    EXPECT_EQ(xpath(result.body, "string(//*[local-name()='resumptionToken']/@cursor)"),
              std::to_string(records));
    records += n;
    ++pages;
    last = result.body;
    const auto next = token(result.body);
    if (next.empty()) break;
    query = "verb=ListRecords&resumptionToken=" + percent_encoded(next);
    ASSERT_LT(pages, 100);
  }
  EXPECT_EQ(records, total);
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(total));
  EXPECT_EQ(pages, (total + 99) / 100);  // 100 a page
  EXPECT_EQ(xpath(last, "string(//*[local-name()='resumptionToken']/@completeListSize)"),
            std::to_string(total));
}

TEST_F(ServeTest, ReplayedTokenGivesTheSamePage_R9) {
  const auto first = oai("verb=ListRecords&metadataPrefix=oai_dc&set=chain");
  const auto next = token(first.body);
  ASSERT_FALSE(next.empty()) << first.body.substr(0, 500);
  const auto a = oai("verb=ListRecords&resumptionToken=" + percent_encoded(next));
  const auto b = oai("verb=ListRecords&resumptionToken=" + percent_encoded(next));
  const auto strip = [](std::string body) {
    return std::regex_replace(body, std::regex("<responseDate>[^<]*</responseDate>"), "");
  };
  EXPECT_EQ(strip(a.body), strip(b.body));
}

TEST_F(ServeTest, ForgedOrMisusedTokensAreBadResumptionToken_R5) {
  const auto first = oai("verb=ListRecords&metadataPrefix=oai_dc&set=chain");
  std::string forged = token(first.body);
  ASSERT_FALSE(forged.empty());
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
  for (const std::string& query : std::vector<std::string>{
           "verb=ListRecords&resumptionToken=" + percent_encoded(forged),
           "verb=ListIdentifiers&resumptionToken=" + percent_encoded(token(first.body)),
           "verb=ListRecords&resumptionToken=garbage", "verb=ListSets&resumptionToken=garbage"}) {
    const auto result = oai(query);
    EXPECT_EQ(error_code(result.body), "badResumptionToken") << query;
  }
}

TEST_F(ServeTest, SetsMatchWholePartsOfTheHierarchy_S3) {
  auto result = oai("verb=ListIdentifiers&metadataPrefix=oai_dc&set=csto:publications");
  EXPECT_EQ(count(result.body, "header"), "1");
  result = oai("verb=ListIdentifiers&metadataPrefix=oai_dc&set=csto:pub");
  EXPECT_EQ(error_code(result.body), "noRecordsMatch");
  result = oai("verb=ListIdentifiers&metadataPrefix=oai_dc&set=chain:even");
  EXPECT_EQ(error_code(result.body), "") << result.body.substr(0, 300);
  // Even records, and the deleted ones (every tenth, all in "even").
  EXPECT_EQ(xpath(result.body, "string(//*[local-name()='resumptionToken']/@completeListSize)"),
            std::to_string(kChainRecords / 2 + kChainRecords / 10));
  EXPECT_EQ(count(result.body, "header"), "500");  // a ListIdentifiers page
}

TEST_F(ServeTest, DeletedRecordsAreListedWithTheirSets_DR7_S7) {
  const auto result = oai("verb=ListIdentifiers&metadataPrefix=oai_dc&set=chain:even");
  // Records 9, 19, 29, ... are deleted: 500 headers up to record 833 hold 50 of them.
  EXPECT_GT(std::stoi(xpath(result.body, "count(//*[local-name()='header'][@status='deleted'])")),
            0);
  EXPECT_EQ(
      xpath(
          result.body,
          "count(//"
          "*[local-name()='header'][@status='deleted'][*[local-name()='setSpec']!='chain:even'])"),
      "0");
}

TEST_F(ServeTest, RealRepositoriesRecordsAreServedValid_X5_DC1) {
  for (const std::string set : {"dspace", "aspace"}) {
    const auto result = oai("verb=ListRecords&metadataPrefix=oai_dc&set=" + set);
    EXPECT_EQ(error_code(result.body), "") << set;
  }
  const auto dspace = oai("verb=ListIdentifiers&metadataPrefix=oai_dc&set=dspace");
  EXPECT_EQ(count(dspace.body, "header"), "81");
  EXPECT_EQ(xpath(dspace.body, "count(//*[local-name()='header'][@status='deleted'])"), "2");
}

TEST_F(ServeTest, ListMetadataFormatsTakesNoToken_VLMF1) {
  const auto result = oai("verb=ListMetadataFormats&resumptionToken=x");
  EXPECT_EQ(error_code(result.body), "badArgument");
}

TEST_F(ServeTest, DateBoundsAreInclusiveWholeDays_D8_D9) {
  const auto earliest = SqliteProbe(store_).value("SELECT min(datestamp) FROM records");
  const auto day = earliest.substr(0, 10);
  auto result =
      oai("verb=ListIdentifiers&metadataPrefix=oai_dc&set=csto&from=" + day + "&until=" + day);
  EXPECT_EQ(count(result.body, "header"), "1");
  result = oai("verb=ListIdentifiers&metadataPrefix=oai_dc&set=csto&until=2000-01-01");
  EXPECT_EQ(error_code(result.body), "noRecordsMatch");
  result = oai("verb=ListIdentifiers&metadataPrefix=oai_dc&set=csto&from=" + earliest +
               "&until=" + earliest);
  EXPECT_EQ(error_code(result.body), "");
}

TEST_F(ServeTest, UnknownFormatIsCannotDisseminateFormat_VLR3) {
  const auto result = oai("verb=ListRecords&metadataPrefix=marcxml");
  EXPECT_EQ(error_code(result.body), "cannotDisseminateFormat");
  EXPECT_TRUE(request_has_attributes(result.body));
}

TEST_F(ServeTest, PostIsAnsweredLikeGet_H1_H2) {
  const auto get = oai("verb=ListIdentifiers&metadataPrefix=oai_dc&set=csto");
  const auto post = oai_post("verb=ListIdentifiers&metadataPrefix=oai_dc&set=csto");
  EXPECT_EQ(post.status, 200);
  EXPECT_EQ(count(post.body, "header"), count(get.body, "header"));
}

TEST_F(ServeTest, CompressesOnlyWhenAsked_H8) {
  auto result = oai("verb=Identify", {"Accept-Encoding: gzip"});
  EXPECT_EQ(result.header("Content-Encoding"), "gzip");
  result = oai("verb=Identify", {"Accept-Encoding: deflate"});
  EXPECT_EQ(result.header("Content-Encoding"), "deflate");
  result = oai("verb=Identify");
  EXPECT_EQ(result.header("Content-Encoding"), "");
  EXPECT_NE(result.body.find("<Identify>"), std::string::npos);
}

TEST_F(ServeTest, OtherPathsAreNotFound) {
  const auto result =
      http_request("http://127.0.0.1:" + std::to_string(server_->port()) + "/nothing");
  EXPECT_EQ(result.status, 404);
}

// Harvests `base_url` into `store` with oaipmh harvest; returns its output.
std::string harvest_into(const std::string& store, const std::string& name,
                         const std::string& base_url, const std::string& config_path) {
  std::ofstream(config_path) << "store = \"" << store << "\"\n[harvest]\npoliteness_delay = 0\n"
                             << "[[source]]\nname = \"" << name << "\"\nurl = \"" << base_url
                             << "\"\n";
  const auto result = run_command(kOaipmh + " harvest --config " + config_path);
  EXPECT_EQ(result.exit_status, 0) << result.output;
  return result.output;
}

TEST_F(ServeTest, OurOwnHarvesterHarvestsUsCompletely_AG4_AG6) {
  TempDir mirror_dir;
  const auto mirror = mirror_dir.file("mirror.sqlite");
  harvest_into(mirror, "mirror", server_->base_url(), mirror_dir.file("mirror.toml"));
  SqliteProbe original(store_);
  SqliteProbe copy(mirror);
  EXPECT_EQ(copy.value("SELECT count(*) FROM records"),
            original.value("SELECT count(*) FROM records"));
  EXPECT_EQ(copy.value("SELECT count(*) FROM records WHERE deleted"),
            original.value("SELECT count(*) FROM records WHERE deleted"));
  // Payloads arrive byte for byte as we serve them (the seed's already had
  // its schemaLocation, so it is the stored one unchanged).
  const auto seed_payload = original.value(
      "SELECT metadata FROM records WHERE upstream_identifier LIKE '%csto-kyrgyzstan'");
  EXPECT_EQ(copy.value("SELECT metadata FROM records WHERE upstream_identifier = '" +
                       seed_identifier() + "'"),
            seed_payload);
  EXPECT_EQ(
      copy.value("SELECT dc FROM records WHERE upstream_identifier = '" + seed_identifier() + "'"),
      original.value("SELECT dc FROM records WHERE upstream_identifier LIKE '%csto-kyrgyzstan'"));
  // Serving the mirror nests our provenance once more (AG-6).
  ServeProcess again({"--store", mirror, "--repository-identifier", "mirror.example.org"});
  const auto result =
      http_request(again.base_url() + "?verb=GetRecord&metadataPrefix=oai_dc&identifier=" +
                   percent_encoded("oai:mirror.example.org:mirror/" + seed_identifier()));
  keep("GetRecord of the mirror", result);
  EXPECT_EQ(count(result.body, "originDescription"), "2");
  EXPECT_EQ(
      xpath(result.body, "string(//*[local-name()='originDescription']/*[local-name()='baseURL'])"),
      server_->base_url());
  EXPECT_EQ(xpath(result.body,
                  "string(//*[local-name()='originDescription']/"
                  "*[local-name()='originDescription']/*[local-name()='identifier'])"),
            "oai:research.example.org:publications/6b1f0c2e-csto-kyrgyzstan");
}

TEST_F(ServeTest, ServesWhileAHarvestWritesTheSameStore) {
  TempDir other_dir;
  const auto store = other_dir.file("busy.sqlite");
  harvest_into(store, "first", server_->base_url(), other_dir.file("first.toml"));
  ServeProcess busy({"--store", store, "--repository-identifier", "busy.example.org"});
  std::atomic<bool> harvesting{true};
  std::string harvest_output;
  std::thread harvest([&] {
    harvest_output =
        harvest_into(store, "second", server_->base_url(), other_dir.file("second.toml"));
    harvesting = false;
  });
  int requests = 0;
  std::string problem;
  while ((harvesting || requests < 5) && requests < 500 && problem.empty()) {
    const auto result =
        http_request(busy.base_url() + "?verb=ListIdentifiers&metadataPrefix=oai_dc&set=first");
    ++requests;
    if (result.status != 200 || result.body.find("<error") != std::string::npos)
      problem = result.body;
  }
  harvest.join();
  EXPECT_EQ(problem, "");
  EXPECT_EQ(busy.output().find("locked"), std::string::npos);
  EXPECT_EQ(SqliteProbe(store).value("SELECT count(*) FROM sources"), "2");
}

TEST_F(ServeTest, FriendsListTheUpstreamRepositories_VID7) {
  const auto result = oai("verb=Identify");
  EXPECT_EQ(xpath(result.body, "count(//*[local-name()='friends']/*[local-name()='baseURL'])"),
            "4");
}

TEST_F(ServeTest, StopsCleanlyOnSigterm) {
  ServeProcess another({"--store", store_, "--repository-identifier", "test.example.org"});
  EXPECT_EQ(http_request(another.base_url() + "?verb=Identify").status, 200);
  EXPECT_EQ(another.terminate(), 0) << another.output();
  EXPECT_NE(another.output().find("stopped"), std::string::npos);
}

TEST_F(ServeTest, AccessLogHasOneLinePerRequest) {
  oai("verb=Identify&marker=access-log-test");
  EXPECT_TRUE(server_->wait_for_output("marker=access-log-test"))
      << server_->output().substr(0, 2000);
}

}  // namespace
