// The handler without a socket: arguments and a store in, a document out,
// with a clock the test controls.
#include "provider/oai_handler.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "provider/record_writer.h"
#include "provider/xml_out.h"
#include "tests/support/sqlite_probe.h"
#include "tests/support/temp_dir.h"

namespace {

using provider::OaiHandler;
using provider::RawArguments;
using testing_support::SqliteProbe;
using testing_support::TempDir;

constexpr std::int64_t kNow = 1'796'000'000;  // 2026-11-30T00:53:20Z

store::HarvestedRecord record(int n) {
  store::HarvestedRecord record;
  record.identifier = "oai:up.example.org:" + std::to_string(n);
  record.datestamp = "2024-01-01T00:00:00Z";
  record.set_specs = {n % 2 == 0 ? "even" : "odd"};
  record.metadata =
      "<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" "
      "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>Record " +
      std::to_string(n) + "</dc:title></oai_dc:dc>";
  record.dc = {{"title", "Record " + std::to_string(n), ""}};
  return record;
}

class OaiHandlerTest : public ::testing::Test {
 protected:
  OaiHandlerTest() : path_(dir_.file("store.sqlite")), writer_(store::Store::open(path_)) {
    source_ = writer_.upsert_source("up", "http://up.example.org/oai");
    list_ = writer_.open_list(source_, "oai_dc").id;
    run_ = writer_.begin_run(source_);
  }

  void write(std::vector<store::HarvestedRecord> records) {
    store::HarvestedPage page;
    page.list_id = list_;
    page.run_id = run_;
    page.response_date = "2026-01-01T00:00:00Z";
    page.records = std::move(records);
    page.next_from = "2026-01-01T00:00:00Z";
    writer_.write_page(page);
  }

  // Every record written so far gets a datestamp in 2020, one second apart,
  // so that anything written later sorts after them.
  void age_records() {
    SqliteProbe(path_).exec(
        "UPDATE records SET datestamp = strftime('%Y-%m-%dT%H:%M:%SZ', '2020-01-01', id || ' "
        "seconds')");
  }

  std::string ask(const RawArguments& arguments) {
    auto reader = store::Store::open(path_, {.read_only = true});
    return handler_.handle(arguments, reader).body;
  }

  static std::string token_of(const std::string& body) {
    std::smatch match;
    std::regex_search(body, match, std::regex("<resumptionToken[^>]*>([^<]+)</resumptionToken>"));
    return match.size() > 1 ? match[1].str() : "";
  }

  static std::vector<std::string> identifiers_of(const std::string& body) {
    std::vector<std::string> identifiers;
    const std::regex pattern("<identifier>(oai:test[^<]+)</identifier>");
    for (auto it = std::sregex_iterator(body.begin(), body.end(), pattern);
         it != std::sregex_iterator(); ++it) {
      identifiers.push_back((*it)[1].str());
    }
    return identifiers;
  }

  TempDir dir_;
  std::string path_;
  store::Store writer_;
  std::int64_t source_ = 0, list_ = 0, run_ = 0;
  std::int64_t now_ = kNow;
  provider::ProviderSettings settings_ = [] {
    provider::ProviderSettings settings;
    settings.repository_identifier = "test.example.org";
    settings.records_per_page = 10;
    return settings;
  }();
  OaiHandler handler_{settings_, provider::TokenCodec("0123456789abcdef0123456789abcdef"),
                      [this] { return now_; }};
};

TEST_F(OaiHandlerTest, ResponseDateIsASecondBeforeTheSnapshot_D14_X7) {
  const auto body = ask({{"verb", "Identify"}});
  EXPECT_NE(body.find("<responseDate>2026-11-30T00:53:19Z</responseDate>"), std::string::npos)
      << body;
}

TEST_F(OaiHandlerTest, RecordChangedMidListIsNeitherSkippedNorLost_R9) {
  std::vector<store::HarvestedRecord> records;
  for (int n = 0; n < 30; ++n) records.push_back(record(n));
  write(records);
  age_records();

  const auto first = ask({{"verb", "ListRecords"}, {"metadataPrefix", "oai_dc"}});
  std::set<std::string> seen;
  for (const auto& id : identifiers_of(first)) seen.insert(id);
  // Change one record already served and one not yet served.
  auto early = record(2);
  early.metadata += " ";
  auto late = record(25);
  late.metadata += " ";
  write({early, late});

  std::string token = token_of(first);
  int pages = 1;
  std::vector<std::string> after;
  while (!token.empty() && pages < 10) {
    const auto body = ask({{"verb", "ListRecords"}, {"resumptionToken", token}});
    for (const auto& id : identifiers_of(body)) {
      seen.insert(id);
      after.push_back(id);
    }
    token = token_of(body);
    ++pages;
  }
  EXPECT_EQ(seen.size(), 30u);  // nothing skipped
  // The changed records come again at the end of the list, with their new datestamp.
  ASSERT_GE(after.size(), 2u);
  EXPECT_EQ(after.back(),
            provider::our_identifier("test.example.org", "up", "oai:up.example.org:25"));
  EXPECT_EQ(after[after.size() - 2],
            provider::our_identifier("test.example.org", "up", "oai:up.example.org:2"));
}

TEST_F(OaiHandlerTest, TokenExpiresAfterItsLifetime_R5_R7) {
  std::vector<store::HarvestedRecord> records;
  for (int n = 0; n < 15; ++n) records.push_back(record(n));
  write(records);
  const auto first = ask({{"verb", "ListRecords"}, {"metadataPrefix", "oai_dc"}});
  const auto token = token_of(first);
  ASSERT_FALSE(token.empty());
  EXPECT_NE(first.find("expirationDate=\"2026-12-02T00:53:20Z\""),
            std::string::npos);  // 48 h ahead
  now_ += 47 * 3600;
  EXPECT_EQ(ask({{"verb", "ListRecords"}, {"resumptionToken", token}}).find("badResumptionToken"),
            std::string::npos);
  now_ += 2 * 3600;
  EXPECT_NE(ask({{"verb", "ListRecords"}, {"resumptionToken", token}}).find("badResumptionToken"),
            std::string::npos);
}

TEST_F(OaiHandlerTest, ParentsOfEverySetAreListedOnce_S2) {
  auto deep = record(1);
  deep.set_specs = {"a:b:c"};
  auto sibling = record(2);
  sibling.set_specs = {"a:d"};
  write({deep, sibling});
  const auto body = ask({{"verb", "ListSets"}});
  std::vector<std::string> specs;
  const std::regex pattern("<setSpec>([^<]+)</setSpec>");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), pattern);
       it != std::sregex_iterator(); ++it)
    specs.push_back((*it)[1].str());
  EXPECT_EQ(specs, (std::vector<std::string>{"up", "up:a", "up:a:b", "up:a:b:c", "up:a:d"}))
      << body;
}

TEST_F(OaiHandlerTest, NoTokenWhenTheListFitsOnePage_R2_R3) {
  std::vector<store::HarvestedRecord> records;
  for (int n = 0; n < 10; ++n) records.push_back(record(n));  // exactly one page
  write(records);
  const auto body = ask({{"verb", "ListRecords"}, {"metadataPrefix", "oai_dc"}});
  EXPECT_EQ(body.find("resumptionToken"), std::string::npos);
  write({record(10)});  // eleven: the second page holds one record and an empty token
  const auto page1 = ask({{"verb", "ListRecords"}, {"metadataPrefix", "oai_dc"}});
  const auto page2 = ask({{"verb", "ListRecords"}, {"resumptionToken", token_of(page1)}});
  EXPECT_NE(page2.find("<resumptionToken completeListSize=\"11\" cursor=\"10\"/>"),
            std::string::npos)
      << page2;
}

TEST_F(OaiHandlerTest, IllegalCharactersNeverReachTheResponse_X1) {
  write({record(1)});
  SqliteProbe(path_).exec(
      "UPDATE records SET metadata = replace(metadata, 'Record 1', 'Record ' || char(65534) || "
      "char(1) || '1')");
  const auto body = ask({{"verb", "ListRecords"}, {"metadataPrefix", "oai_dc"}});
  EXPECT_EQ(body.find("\xEF\xBF\xBE"), std::string::npos);
  EXPECT_EQ(body.find('\x01'), std::string::npos);
  EXPECT_NE(body.find("Record 1"), std::string::npos);
}

TEST_F(OaiHandlerTest, PayloadGetsItsSchemaLocation_X14) {
  write({record(1)});
  const auto body = ask({{"verb", "ListRecords"}, {"metadataPrefix", "oai_dc"}});
  EXPECT_NE(body.find("<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" "
                      "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
                      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                      "xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/ "
                      "http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">"),
            std::string::npos)
      << body;
}

// Formats besides oai_dc: listed with the schema the source declared, per
// item only those it is held in (V-LMF-2, V-LMF-3, X-14). Not served through
// validate-oai-response: its schema set knows oai_dc only.
TEST_F(OaiHandlerTest, EveryFormatHeldIsServed_VLMF2_VLMF3_X14) {
  writer_.save_formats(source_,
                       {{"oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                         "http://www.openarchives.org/OAI/2.0/oai_dc/"},
                        {"marc21", "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
                         "http://www.loc.gov/MARC21/slim"}});
  write({record(1)});
  const auto marc_list = writer_.open_list(source_, "marc21").id;
  store::HarvestedPage page;
  page.list_id = marc_list;
  page.run_id = run_;
  page.response_date = "2026-01-01T00:00:00Z";
  page.next_from = page.response_date;
  store::HarvestedRecord marc;
  marc.identifier = "oai:up.example.org:1";
  marc.datestamp = "2024-01-01T00:00:00Z";
  marc.metadata =
      "<marc:record "
      "xmlns:marc=\"http://www.loc.gov/MARC21/slim\"><marc:leader>x</marc:leader></marc:record>";
  store::HarvestedRecord only_marc = marc;
  only_marc.identifier = "oai:up.example.org:2";
  page.records = {marc, only_marc};
  writer_.write_page(page);

  const auto all = ask({{"verb", "ListMetadataFormats"}});
  EXPECT_NE(all.find("<metadataPrefix>marc21</metadataPrefix><schema>http://www.loc.gov/standards/"
                     "marcxml/schema/MARC21slim.xsd</schema>"),
            std::string::npos)
      << all;
  const auto one = provider::our_identifier("test.example.org", "up", "oai:up.example.org:2");
  const auto formats = ask({{"verb", "ListMetadataFormats"}, {"identifier", one}});
  EXPECT_EQ(formats.find("<metadataPrefix>oai_dc</metadataPrefix>"), std::string::npos) << formats;
  EXPECT_NE(formats.find("<metadataPrefix>marc21</metadataPrefix>"), std::string::npos);
  const auto record =
      ask({{"verb", "GetRecord"}, {"identifier", one}, {"metadataPrefix", "marc21"}});
  EXPECT_NE(record.find("xsi:schemaLocation=\"http://www.loc.gov/MARC21/slim "
                        "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd\""),
            std::string::npos)
      << record;
  const auto missing =
      ask({{"verb", "GetRecord"}, {"identifier", one}, {"metadataPrefix", "oai_dc"}});
  EXPECT_NE(missing.find("cannotDisseminateFormat"), std::string::npos);
}

// A page read in two parts (the rest of one second, then later seconds) and
// its setSpecs read for the whole page at once: every record once, in
// (datestamp, id) order, each with its own sets, whether the page's ids lie
// close together or far apart.
TEST_F(OaiHandlerTest, PagesWithinOneSecondAndAcrossFarIdsKeepOrderAndSets_R1_S4) {
  std::vector<store::HarvestedRecord> records;
  for (int n = 0; n < 300; ++n) records.push_back(record(n));
  write(records);  // one second for all: pages continue within it by id
  // Records 0-4 and 295-299 first, in one second: ids 295 apart on one page.
  SqliteProbe(path_).exec(
      "UPDATE records SET datestamp = '2019-01-01T00:00:00Z' WHERE id <= 5 OR id > 295");
  std::vector<std::string> order;
  std::string body = ask({{"verb", "ListRecords"}, {"metadataPrefix", "oai_dc"}});
  for (int pages = 0; pages < 40; ++pages) {
    const std::regex pattern(
        "<identifier>oai:test\\.example\\.org:up/oai:up\\.example\\.org:(\\d+)</identifier>"
        "<datestamp>[^<]+</datestamp><setSpec>([^<]+)</setSpec></header>");
    for (auto it = std::sregex_iterator(body.begin(), body.end(), pattern);
         it != std::sregex_iterator(); ++it) {
      const int n = std::stoi((*it)[1].str());
      EXPECT_EQ((*it)[2].str(), n % 2 == 0 ? "up:even" : "up:odd") << n;
      order.push_back((*it)[1].str());
    }
    const auto token = token_of(body);
    if (token.empty()) break;
    body = ask({{"verb", "ListRecords"}, {"resumptionToken", token}});
  }
  std::vector<std::string> expected;
  for (int n : {0, 1, 2, 3, 4, 295, 296, 297, 298, 299}) expected.push_back(std::to_string(n));
  for (int n = 5; n < 295; ++n) expected.push_back(std::to_string(n));
  EXPECT_EQ(order, expected);
}

TEST(PayloadSchemaLocation, ReplacesAWrongOneAndKeepsTheRest_X14) {
  const std::string payload =
      "<x:r xmlns:x=\"urn:x\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" a=\"1\" "
      "i:schemaLocation=\"urn:x wrong.xsd\"><x:c/></x:r>";
  EXPECT_EQ(provider::payload_with_schema_location(payload, "urn:x", "http://x/x.xsd"),
            "<x:r xmlns:x=\"urn:x\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" a=\"1\" "
            "i:schemaLocation=\"urn:x http://x/x.xsd\"><x:c/></x:r>");
  // Idempotent: serving what was served changes nothing.
  const auto once =
      provider::payload_with_schema_location("<r xmlns=\"urn:x\"/>", "urn:x", "s.xsd");
  EXPECT_EQ(provider::payload_with_schema_location(once, "urn:x", "s.xsd"), once);
}

TEST(OurIdentifier, RoundTripsAnyUpstreamIdentifier_AG3_OI2) {
  for (const std::string upstream :
       {"oai:arXiv.org:hep-th/9901001", "a b", "a%20b", "x#y<z>", "ünï"}) {
    const auto ours = provider::our_identifier("agg.example.org", "src", upstream);
    const auto key = provider::parse_our_identifier("agg.example.org", ours);
    ASSERT_TRUE(key.has_value()) << ours;
    EXPECT_EQ(key->source, "src");
    EXPECT_EQ(key->upstream_identifier, upstream);
  }
  EXPECT_FALSE(provider::parse_our_identifier("agg.example.org", "oai:other.example.org:src/1"));
  EXPECT_FALSE(provider::parse_our_identifier("agg.example.org", "oai:agg.example.org:nosource"));
}

// The fast paths for record text must agree with oai's exact functions on
// anything: every byte value, and UTF-8 sequences right and wrong, placed
// on either side of the 8- and 16-byte steps.
TEST(XmlOut, CleanCheckAndEscapingAgreeWithTheExactFunctions_X1) {
  std::vector<std::string> pieces = {"",
                                     "plain ascii text",
                                     "&",
                                     "<",
                                     ">",
                                     "\"",
                                     "'",
                                     "\t",
                                     "\n",
                                     "\r",
                                     "\x7F",
                                     "\xC2\x80",
                                     "\xC3\xA9",
                                     "\xE2\x82\xAC",
                                     "\xF0\x9F\x98\x80",
                                     "\xF4\x8F\xBF\xBF",
                                     "\xEF\xBF\xBD",
                                     "\xEF\xBF\xBE",
                                     "\xEF\xBF\xBF",
                                     "\xED\x9F\xBF",
                                     "\xED\xA0\x80",
                                     "\xC0\xAF",
                                     "\xC1\xBF",
                                     "\xE0\x80\xAF",
                                     "\xE0\x9F\xBF",
                                     "\xF0\x8F\xBF\xBF",
                                     "\xF4\x90\x80\x80",
                                     "\xF5\x80\x80\x80",
                                     "\x80",
                                     "\xBF",
                                     "\xC3",
                                     "\xE2\x82",
                                     "\xF0\x9F\x98",
                                     "\xFF"};
  for (int byte = 0; byte < 256; ++byte) pieces.push_back(std::string(1, static_cast<char>(byte)));
  for (const auto& piece : pieces) {
    for (std::size_t pad = 0; pad < 20; ++pad) {
      for (const std::string& text : {std::string(pad, 'a') + piece,
                                      std::string(pad, 'a') + piece + "0123456789abcdefghij"}) {
        std::string cleaned = text;
        EXPECT_EQ(provider::is_clean_xml_text(text), oai::remove_illegal_xml_chars(cleaned) == 0)
            << testing::PrintToString(text);
        for (const auto context : {oai::XmlContext::kText, oai::XmlContext::kAttribute}) {
          std::string fast = "x", exact = "x";
          provider::append_escaped(fast, text, context);
          oai::append_xml_escaped(exact, text, context);
          EXPECT_EQ(fast, exact) << testing::PrintToString(text);
        }
      }
    }
  }
}

}  // namespace
