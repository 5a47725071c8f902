// `oaipmh query`, `show` and `status` over a store harvested once for the
// suite by the real program: the seed record (source "csto"), a page chain
// ("chain", 20 records, every 10th deleted) and a handful of edge cases
// ("misc": sets a, a:b and ab, lenient dates, a title with a comma and
// quotes, a second format).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "tests/harvester/harvest_fixture.h"
#include "tests/store/store_engines.h"
#include "tests/support/page_chain.h"
#include "tests/support/postgres_database.h"
#include "tests/support/run_command.h"

namespace {

using testing_support::CommandResult;
using testing_support::Engine;
using testing_support::file_response;
using testing_support::FixtureServer;
using testing_support::json;
using testing_support::PostgresDatabase;
using testing_support::PostgresStoreProbe;
using testing_support::SqliteStoreProbe;
using testing_support::StoreProbe;
using testing_support::TempDir;

using Ids = std::vector<std::string>;  // upstream identifiers, in order
using IdSet = std::set<std::string>;

const std::string kOaipmh = OAIPMH_BINARY;
const std::string kSeed = "oai:research.example.org:publications/6b1f0c2e-csto-kyrgyzstan";

std::string misc_record(const std::string& id, const std::string& set, const std::string& dc) {
  return "<record><header><identifier>oai:misc.example.org:" + id +
         "</identifier><datestamp>2025-01-01T00:00:00Z</datestamp><setSpec>" + set +
         "</setSpec></header><metadata><oai_dc:dc "
         "xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" "
         "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">" +
         dc + "</oai_dc:dc></metadata></record>";
}

std::string list_records(const std::string& records) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">"
         "<responseDate>2026-11-02T10:00:00Z</responseDate>"
         "<request verb=\"ListRecords\">http://127.0.0.1/oai</request><ListRecords>" +
         records + "</ListRecords></OAI-PMH>\n";
}

// The "misc" repository's two lists, written to `dir`; returns its list rules.
json write_misc(const std::string& dir) {
  const std::string dc = list_records(
      misc_record(
          "wells", "a",
          "<dc:title>Water, \"wells\" and rivers</dc:title><dc:creator>Müller, Anna</dc:creator>"
          "<dc:subject>Hydrology</dc:subject><dc:type>Dataset</dc:type>"
          "<dc:language>ger</dc:language><dc:date>2019</dc:date>") +
      misc_record("glaciers", "a:b",
                  "<dc:title>Mountain glaciers of the Tian Shan</dc:title><dc:creator>Ortiz, Juan"
                  "</dc:creator><dc:subject>Glaciology</dc:subject><dc:description>Ice above "
                  "Kyrgyz valleys</dc:description><dc:type>Text</dc:type><dc:language>spa"
                  "</dc:language><dc:date>2021-05-06T07:08:09Z</dc:date>") +
      misc_record(
          "soup", "ab",
          "<dc:title>Alphabet soup</dc:title><dc:subject>Cooking</dc:subject>"
          "<dc:type>Text</dc:type><dc:language>eng</dc:language><dc:date>1999-12</dc:date>") +
      "<record><header status=\"deleted\"><identifier>oai:misc.example.org:gone</identifier>"
      "<datestamp>2025-01-01T00:00:00Z</datestamp><setSpec>a</setSpec></header></record>");
  const std::string marc = list_records(
      "<record><header><identifier>oai:misc.example.org:wells</identifier><datestamp>"
      "2025-01-01T00:00:00Z</datestamp><setSpec>a</setSpec></header><metadata><marc:record "
      "xmlns:marc=\"http://www.loc.gov/MARC21/slim\"><marc:datafield tag=\"245\"><marc:subfield "
      "code=\"a\">Water, wells and rivers</marc:subfield></marc:datafield></marc:record>"
      "</metadata></record>");
  std::ofstream(dir + "/misc-dc.xml") << dc;
  std::ofstream(dir + "/misc-marc.xml") << marc;
  return json::array({{{"match", {{"verb", "ListRecords"}, {"metadataPrefix", "oai_dc"}}},
                       {"responses", {{{"body_file", dir + "/misc-dc.xml"}}}}},
                      {{"match", {{"verb", "ListRecords"}, {"metadataPrefix", "marc21"}}},
                       {"responses", {{{"body_file", dir + "/misc-marc.xml"}}}}}});
}

// A fixture server playing one repository: Identify, formats, sets, `lists`.
std::unique_ptr<FixtureServer> serve(const TempDir& dir, const std::string& name, const json& lists,
                                     const std::string& sets_file) {
  json rules = {{{"match", {{"verb", "Identify"}}},
                 {"responses", {file_response("harvest/identify-seconds.xml")}}},
                {{"match", {{"verb", "ListMetadataFormats"}}},
                 {"responses", {file_response("harvest/list-metadata-formats.xml")}}},
                {{"match", {{"verb", "ListSets"}}}, {"responses", {file_response(sets_file)}}}};
  for (const auto& rule : lists) rules.push_back(rule);
  const auto scenario = dir.file(name + ".json");
  std::ofstream(scenario) << json{{"rules", rules}}.dump();
  return std::make_unique<FixtureServer>(scenario, dir.file(name + "-requests.jsonl"));
}

// The shell form of `argument`, single-quoted.
std::string shell_quoted(const std::string& argument) {
  std::string out = "'";
  for (const char c : argument) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The code points of a UTF-8 line, one string each.
std::vector<std::string> code_points(const std::string& line) {
  std::vector<std::string> points;
  for (const char c : line) {
    if ((static_cast<unsigned char>(c) & 0xC0) == 0x80 && !points.empty()) {
      points.back() += c;
    } else {
      points.emplace_back(1, c);
    }
  }
  return points;
}

// The suite harvests the same repositories into a SQLite file and a
// PostgreSQL database once; every test runs on each (the parameter) and
// expects the same output, except where a text search's ranking differs.
class QueryCli : public ::testing::TestWithParam<Engine> {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    sqlite_store_ = dir_->file("store.sqlite");
    const auto chain_dir = dir_->file("chain");
    std::filesystem::create_directories(chain_dir);
    const auto csto = serve(
        *dir_, "csto",
        json::array({{{"match", {{"verb", "ListRecords"}}},
                      {"responses", {file_response("seed/ListRecords-csto-kyrgyzstan.xml")}}}}),
        "harvest/list-sets.xml");
    const auto chain = serve(*dir_, "chain", testing_support::write_page_chain(chain_dir, 2, 10),
                             "harvest/no-set-hierarchy.xml");
    const auto misc =
        serve(*dir_, "misc", write_misc(dir_->path().string()), "harvest/no-set-hierarchy.xml");
    const auto config = dir_->file("oaipmh.toml");
    std::ofstream(config) << "store = \"" << sqlite_store_
                          << "\"\n[harvest]\npoliteness_delay = 0\n"
                          << "[[source]]\nname = \"csto\"\nurl = \"" << csto->base_url() << "\"\n"
                          << "[[source]]\nname = \"chain\"\nurl = \"" << chain->base_url() << "\"\n"
                          << "[[source]]\nname = \"misc\"\nurl = \"" << misc->base_url() << "\"\n"
                          << "prefixes = [\"marc21\"]\n";
    const auto harvest = testing_support::run_command(kOaipmh + " harvest -q --config " + config);
    if (harvest.exit_status != 0) sqlite_error_ = "harvest failed: " + harvest.output;
    // The same repositories (the fixture servers answer again alike) into
    // a fresh database of the test cluster.
    try {
      database_ = std::make_unique<PostgresDatabase>();
      const auto into = testing_support::run_command(kOaipmh + " harvest -q --config " + config +
                                                     " --store " + shell_quoted(database_->url()));
      if (into.exit_status != 0) postgres_error_ = "harvest failed: " + into.output;
    } catch (const std::exception& error) {
      postgres_error_ = error.what();
    }
  }

  static void TearDownTestSuite() {
    database_.reset();
    dir_.reset();
  }

  void SetUp() override {
    const auto& error = GetParam() == Engine::kSqlite ? sqlite_error_ : postgres_error_;
    ASSERT_TRUE(error.empty()) << error;
  }

  // The store of the test's engine: the file's path or the database's URL.
  static std::string store() {
    return GetParam() == Engine::kSqlite ? sqlite_store_ : database_->url();
  }

  // A look into the store's database, as a person with sqlite3 or psql has.
  static std::unique_ptr<StoreProbe> probe() {
    if (GetParam() == Engine::kSqlite) return std::make_unique<SqliteStoreProbe>(sqlite_store_);
    return std::make_unique<PostgresStoreProbe>(database_->url());
  }

  // Runs `oaipmh <arguments> --store STORE`, each argument quoted for the shell.
  static CommandResult run(const std::vector<std::string>& arguments) {
    return run_on(store(), arguments);
  }

  // The same on `store`, whatever the test's engine.
  static CommandResult run_on(const std::string& store, const std::vector<std::string>& arguments) {
    // Appended piece by piece: `" " + shell_quoted(...)` trips GCC 12's
    // -Wrestrict (a false positive) at -O3.
    std::string command = kOaipmh;
    for (const auto& argument : arguments) {
      command += ' ';
      command += shell_quoted(argument);
    }
    command += " --store ";
    command += shell_quoted(store);
    command += " < /dev/null";
    return testing_support::run_command(command);
  }

  // The upstream identifiers `oaipmh query <arguments> --format jsonl` prints.
  static Ids found(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), "query");
    arguments.insert(arguments.end(), {"--format", "jsonl"});
    const auto result = run(arguments);
    Ids ids;
    for (const auto& line : lines_of(result.output)) {
      try {
        ids.push_back(json::parse(line).at("upstream_identifier").get<std::string>());
      } catch (const std::exception&) {
        ADD_FAILURE() << "not a record: " << line;
      }
    }
    return ids;
  }

  static IdSet found_set(const std::vector<std::string>& arguments) {
    const auto ids = found(arguments);
    return {ids.begin(), ids.end()};
  }

  static std::string misc(const std::string& id) { return "oai:misc.example.org:" + id; }
  static std::string chain(int n) { return testing_support::chain_identifier(n); }

  static inline std::unique_ptr<TempDir> dir_;
  static inline std::string sqlite_store_;
  static inline std::unique_ptr<PostgresDatabase> database_;
  static inline std::string sqlite_error_;
  static inline std::string postgres_error_;
};

TEST_P(QueryCli, SeedFoundByWord) { EXPECT_EQ(found({"Kyrgyzstan"}), Ids{kSeed}); }

TEST_P(QueryCli, SeedFoundByItsYear) {
  EXPECT_EQ(found({"--date-from", "2024", "--date-to", "2024", "--source", "csto"}), Ids{kSeed});
  // The chain's records are dated 2024 too; the misc ones are not.
  EXPECT_EQ(found({"--date-from", "2024", "--date-to", "2024"}).size(), 19u);
}

TEST_P(QueryCli, SeedFoundByItsSourceTitle) {
  EXPECT_EQ(found({"Antony International Review"}), Ids{kSeed});
  EXPECT_EQ(found({"\"St Antony's International Review\""}), Ids{kSeed});
}

TEST_P(QueryCli, FullTextWordsPhrasesPrefixesAndOperators) {
  EXPECT_EQ(found({"collective", "security"}), Ids{kSeed});
  EXPECT_EQ(found({"\"collective confusion\""}), Ids{kSeed});
  EXPECT_TRUE(found({"\"confusion collective\""}).empty());
  EXPECT_EQ(found_set({"kyrgyz*"}), (IdSet{kSeed, misc("glaciers")}));
  EXPECT_EQ(found({"Kyrgyzstan AND Russia"}), Ids{kSeed});
  EXPECT_EQ(found_set({"Kyrgyzstan OR glaciers"}), (IdSet{kSeed, misc("glaciers")}));
  EXPECT_EQ(found({"kyrgyz* NOT glaciers"}), Ids{kSeed});
  EXPECT_EQ(found({"title:glaciers"}), Ids{misc("glaciers")});
  EXPECT_TRUE(found({"creator:glaciers"}).empty());
}

// Every form of FTS5's syntax finds the same records on both engines (on
// SQLite this compares the store with itself); the order is checked apart.
TEST_P(QueryCli, TextSyntaxFindsWhatSqliteFinds) {
  const std::vector<std::string> searches = {"kyrgyzstan",
                                             "KYRGYZSTAN",
                                             "kyrgyz*",
                                             "kyrgy",
                                             "\"collective security\"",
                                             "\"security collective\"",
                                             "collective + security",
                                             "\"collective\" + \"treaty\"",
                                             "collective + sec*",
                                             "NEAR(agency kyrgyzstan, 6)",
                                             "NEAR(kyrgyzstan agency, 6)",
                                             "NEAR(agency kyrgyzstan, 5)",
                                             "NEAR(agency kyrgyzstan)",
                                             "NEAR(collective, 3)",
                                             "NEAR(junior partners organisation, 4)",
                                             "NEAR(junior partners organisation, 2)",
                                             "title:kyrgyzstan",
                                             "subject:kyrgyzstan",
                                             "description:kyrgyz*",
                                             "creator:ortiz",
                                             "creator:müller",
                                             "creator:muller",
                                             "other:article",
                                             "other:eng",
                                             "title:article",
                                             "{title subject}:kyrgyzstan",
                                             "{creator description}:glaciers",
                                             "{title description}: ice",
                                             "- title : kyrgyz*",
                                             "title:(glaciers OR soup)",
                                             "title:(kyrgyz* NOT agency)",
                                             "kyrgyz* NOT glaciers",
                                             "kyrgyz* NOT glaciers NOT csto",
                                             "record OR kyrgyz* NOT glaciers",
                                             "(record OR kyrgyz*) NOT glaciers",
                                             "kyrgyz* AND ice OR soup",
                                             "soup OR kyrgyz* AND ice",
                                             "alphabet soup",
                                             "alphabet AND soup",
                                             "\"alphabet\" \"soup\"",
                                             "^alphabet",
                                             "wells rivers",
                                             "\"wells and rivers\"",
                                             "water NOT \"wells and rivers\"",
                                             "anna",
                                             "ANNA*",
                                             "NEAR(water rivers, 1)",
                                             "NEAR(water rivers, 2)",
                                             "tian shan",
                                             "a*"};
  for (const auto& search : searches) {
    const auto here = found_set({search, "--limit", "0"});
    IdSet there;
    for (const auto& line :
         lines_of(run_on(sqlite_store_, {"query", search, "--limit", "0", "--format", "jsonl"})
                      .output)) {
      there.insert(json::parse(line).at("upstream_identifier").get<std::string>());
    }
    EXPECT_EQ(here, there) << search;
    EXPECT_EQ(run({"query", search, "--count"}).output,
              run_on(sqlite_store_, {"query", search, "--count"}).output)
        << search;
  }
}

// Relevance is each engine's own: bm25() over SQLite's dc_fts, ts_rank_cd()
// over PostgreSQL's weighted tsvectors (title counts most there, all
// columns alike in bm25), so the two orders of one search legitimately
// differ; each is checked against its engine's ranking function.
TEST_P(QueryCli, TextHitsComeByRelevanceOthersNewestFirst) {
  const auto probe = this->probe();
  const auto by_rank = probe->rows(
      GetParam() == Engine::kSqlite
          ? "SELECT r.upstream_identifier FROM dc_fts JOIN records r ON r.id = dc_fts.rowid "
            "WHERE dc_fts MATCH 'kyrgyz* OR record' "
            "ORDER BY bm25(dc_fts), r.datestamp DESC, r.id DESC"
          : "SELECT upstream_identifier FROM records, "
            "to_tsquery('oaipmh_text', 'kyrgyz:* | record') q WHERE fts @@ q OR fts_other @@ q "
            "ORDER BY coalesce(ts_rank_cd(fts, q), 0) + coalesce(ts_rank_cd(fts_other, q), 0) "
            "DESC, id DESC");
  EXPECT_EQ(by_rank.size(), 20u);
  EXPECT_EQ(found({"kyrgyz* OR record"}), by_rank);
  const auto newest = probe->rows(
      "SELECT upstream_identifier FROM records WHERE metadata_prefix = "
      "'oai_dc' AND NOT deleted ORDER BY datestamp DESC, id DESC");
  EXPECT_EQ(found({}), newest);
}

TEST_P(QueryCli, ElementFiltersMatchSubstringsIgnoringCase) {
  EXPECT_EQ(found({"--title", "GLACIERS"}), Ids{misc("glaciers")});
  EXPECT_EQ(found({"--title", "\"wells\""}), Ids{misc("wells")});
  EXPECT_EQ(found_set({"--creator", "writer, 3"}), (IdSet{chain(3), chain(10), chain(17)}));
  EXPECT_EQ(found({"--creator", "Müller"}), Ids{misc("wells")});
  EXPECT_EQ(found({"--subject", "hydro"}), Ids{misc("wells")});
  EXPECT_EQ(found({"--type", "article"}), Ids{kSeed});
  EXPECT_EQ(found_set({"--type", "Text"}), (IdSet{misc("glaciers"), misc("soup")}));
  EXPECT_EQ(found_set({"--language", "eng"}), (IdSet{kSeed, misc("soup")}));
  // Filters combine with AND, with the text too.
  EXPECT_EQ(found({"--type", "text", "--language", "eng"}), Ids{misc("soup")});
  EXPECT_EQ(found({"kyrgyz*", "--language", "spa"}), Ids{misc("glaciers")});
}

TEST_P(QueryCli, DateBoundsOverlapLenientDates) {
  // The seed's 2024-10-01 lies in October; the chain's year 2024 overlaps it.
  EXPECT_EQ(found({"--date-from", "2024-10", "--date-to", "2024-10"}).size(), 19u);
  EXPECT_EQ(found({"--date-from", "2024-11", "--source", "csto"}).size(), 0u);
  EXPECT_EQ(found({"--date-from", "2024-10-01", "--date-to", "2024-10-01", "--source", "csto"}),
            Ids{kSeed});
  EXPECT_EQ(found_set({"--date-to", "2019-12-31"}), (IdSet{misc("wells"), misc("soup")}));
  EXPECT_EQ(found({"--date-from", "2000", "--date-to", "2020"}), Ids{misc("wells")});
  // A full timestamp counts as its day; a month covers its last day.
  EXPECT_EQ(found({"--date-from", "2021-05-06", "--date-to", "2021-05-06"}), Ids{misc("glaciers")});
  EXPECT_EQ(found({"--date-from", "1999-12-31", "--date-to", "1999-12-31"}), Ids{misc("soup")});
  EXPECT_EQ(found({"--date-from", "2021-05-06T23:00:00Z", "--date-to", "2021-05-06T01:00:00Z"}),
            Ids{misc("glaciers")});
  const auto bad = run({"query", "--date-from", "2024-13"});
  EXPECT_EQ(bad.exit_status, 2) << bad.output;
  EXPECT_NE(bad.output.find("is not a date"), std::string::npos) << bad.output;
  EXPECT_EQ(run({"query", "--date-from", "2025", "--date-to", "2024"}).exit_status, 2);
}

TEST_P(QueryCli, SourceAndSetFilters_S3) {
  EXPECT_EQ(run({"query", "--source", "chain", "--count"}).output, "18\n");
  EXPECT_EQ(found({"--set", "csto:publications"}), Ids{kSeed});
  EXPECT_EQ(found({"--set", "csto:publications:year2024"}), Ids{kSeed});
  EXPECT_TRUE(found({"--set", "csto:pub"}).empty());
  // a covers a and a:b, not ab.
  EXPECT_EQ(found_set({"--set", "misc:a"}), (IdSet{misc("wells"), misc("glaciers")}));
  EXPECT_EQ(found({"--set", "misc:a:b"}), Ids{misc("glaciers")});
  EXPECT_EQ(found({"--set", "misc:ab"}), Ids{misc("soup")});
  EXPECT_EQ(found({"--set", "misc"}).size(), 3u);
  EXPECT_EQ(run({"query", "--set", "chain:even", "--count"}).output, "10\n");
  EXPECT_TRUE(found({"--set", "chain:even", "--source", "csto"}).empty());
}

TEST_P(QueryCli, DeletedRecordsOnlyWhenAskedFor_DR7) {
  EXPECT_EQ(found_set({"--deleted"}), (IdSet{chain(9), chain(19), misc("gone")}));
  EXPECT_EQ(found_set({"--deleted", "--set", "misc:a"}), IdSet{misc("gone")});
  EXPECT_EQ(found_set({"--include-deleted", "--set", "misc:a"}),
            (IdSet{misc("wells"), misc("glaciers"), misc("gone")}));
  EXPECT_EQ(run({"query", "--include-deleted", "--count"}).output, "25\n");
  EXPECT_EQ(run({"query", "--count"}).output, "22\n");
  EXPECT_EQ(run({"query", "--deleted", "--include-deleted"}).exit_status, 2);
}

TEST_P(QueryCli, LimitAndCount) {
  EXPECT_EQ(found({}).size(), 22u);  // jsonl has no limit by default
  EXPECT_EQ(found({"--limit", "5"}).size(), 5u);
  EXPECT_EQ(found({"--limit", "0"}).size(), 22u);
  const auto count = run({"query", "--count", "--limit", "3", "--source", "misc"});
  EXPECT_EQ(count.exit_status, 0);
  EXPECT_EQ(count.output, "3\n");
  const auto none = run({"query", "--count", "--source", "nowhere"});
  EXPECT_EQ(none.exit_status, 1);
  EXPECT_EQ(none.output, "0\n");
}

TEST_P(QueryCli, JsonLinesCarryEveryField_AG3_DC1) {
  const auto result = run({"query", "Kyrgyzstan", "--format", "jsonl"});
  ASSERT_EQ(result.exit_status, 0) << result.output;
  const auto lines = lines_of(result.output);
  ASSERT_EQ(lines.size(), 1u);
  const auto record = json::parse(lines[0]);
  EXPECT_EQ(record.size(), 8u);
  EXPECT_EQ(record.at("oai_identifier"), "oai:aggregator.example.org:csto/" + kSeed);
  EXPECT_EQ(record.at("source"), "csto");
  EXPECT_EQ(record.at("upstream_identifier"), kSeed);
  EXPECT_EQ(
      record.at("datestamp"),
      probe()->value("SELECT datestamp FROM records WHERE upstream_identifier = '" + kSeed + "'"));
  EXPECT_EQ(record.at("upstream_datestamp"), "2024-10-03T11:42:07Z");
  EXPECT_EQ(record.at("deleted"), false);
  auto sets = record.at("sets").get<std::vector<std::string>>();
  std::sort(sets.begin(), sets.end());
  EXPECT_EQ(sets, (Ids{"csto:publications:journalArticle", "csto:publications:year2024"}));
  // All fifteen elements, each a list in document order, empty ones included.
  const auto& dc = record.at("dc");
  ASSERT_EQ(dc.size(), 15u);
  EXPECT_EQ(dc.at("title"),
            json::array({"CSTO and the agency of small members: the case of Kyrgyzstan"}));
  EXPECT_EQ(dc.at("subject"), json::array({"Collective Security Treaty Organisation", "Kyrgyzstan",
                                           "regional security cooperation"}));
  EXPECT_EQ(dc.at("type"), json::array({"Contribution to journal", "Article", "peer-review"}));
  EXPECT_EQ(dc.at("language"), json::array({"eng"}));
  EXPECT_EQ(dc.at("date"), json::array({"2024-10-01"}));
  EXPECT_EQ(dc.at("source"), json::array({"St Antony's International Review, 19(2), 168-194"}));
  EXPECT_EQ(dc.at("format"), json::array({"27 pages"}));
  EXPECT_EQ(dc.at("description").size(), 1u);
  EXPECT_EQ(dc.at("identifier").size(), 1u);
  for (const auto* empty :
       {"creator", "publisher", "contributor", "relation", "coverage", "rights"}) {
    EXPECT_EQ(dc.at(empty), json::array()) << empty;
  }
  const auto other = run({"query", "Kyrgyzstan", "--repository-identifier", "other.example.net"});
  EXPECT_EQ(json::parse(other.output).at("oai_identifier"), "oai:other.example.net:csto/" + kSeed);
  const auto gone = json::parse(run({"query", "--deleted", "--source", "misc"}).output);
  EXPECT_EQ(gone.at("deleted"), true);
  EXPECT_EQ(gone.at("sets"), json::array({"misc:a"}));
  EXPECT_EQ(gone.at("dc").size(), 15u);
}

TEST_P(QueryCli, CsvIsRfc4180WithAHeader) {
  const auto result = run({"query", "--format", "csv", "--source", "misc", "--title", "wells"});
  ASSERT_EQ(result.exit_status, 0) << result.output;
  const auto lines = lines_of(result.output);
  ASSERT_EQ(lines.size(), 2u) << result.output;
  EXPECT_EQ(lines[0],
            "oai_identifier,source,upstream_identifier,datestamp,upstream_datestamp,deleted,sets,"
            "title,creator,subject,description,publisher,contributor,date,type,format,identifier,"
            "source,language,relation,coverage,rights\r");
  EXPECT_EQ(lines[1].rfind("oai:aggregator.example.org:misc/oai:misc.example.org:wells,misc,"
                           "oai:misc.example.org:wells,",
                           0),
            0u)
      << lines[1];
  EXPECT_NE(lines[1].find(",false,misc:a,\"Water, \"\"wells\"\" and rivers\",\"Müller, Anna\","
                          "Hydrology,,,,2019,Dataset,,,,ger,,,\r"),
            std::string::npos)
      << lines[1];
  const auto seed = lines_of(run({"query", "--format", "csv", "Kyrgyzstan"}).output);
  ASSERT_EQ(seed.size(), 2u);
  EXPECT_NE(
      seed[1].find(",Collective Security Treaty Organisation | Kyrgyzstan | regional security "
                   "cooperation,"),
      std::string::npos)
      << seed[1];
  EXPECT_NE(seed[1].find("\"\"collective confusion\"\""), std::string::npos);
}

TEST_P(QueryCli, XmlIsAWellFormedStreamOfPayloads) {
  const auto xml = run({"query", "--format", "xml", "--include-deleted"});
  ASSERT_EQ(xml.exit_status, 0) << xml.output;
  EXPECT_EQ(xml.output.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<records>\n", 0), 0u);
  std::size_t payloads = 0;
  for (auto at = xml.output.find("<oai_dc:dc "); at != std::string::npos;
       at = xml.output.find("<oai_dc:dc ", at + 1)) {
    ++payloads;
  }
  EXPECT_EQ(payloads, 22u);  // tombstones have none
  const auto file = dir_->file("out.xml");
  std::ofstream(file) << xml.output;
  const auto lint = testing_support::run_command("xmllint --noout - < " + shell_quoted(file));
  EXPECT_EQ(lint.exit_status, 0) << lint.output;
  const auto piped =
      testing_support::run_command(kOaipmh + " query --format xml Kyrgyzstan --store " +
                                   shell_quoted(store()) + " | xmllint --noout -");
  EXPECT_EQ(piped.exit_status, 0) << piped.output;
}

TEST_P(QueryCli, TableColumnsAreAlignedAndFitTheWidth) {
  const auto result = run({"query", "--format", "table"});
  ASSERT_EQ(result.exit_status, 0) << result.output;
  const auto lines = lines_of(result.output);
  ASSERT_EQ(lines.size(), 22u) << result.output;  // header, 20 rows (the default limit), footer
  EXPECT_EQ(lines.back(), "(20 of 22 records; --limit 0 shows all)");
  const auto header = code_points(lines[0]);
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] != " " && (i == 0 || header[i - 1] == " ")) starts.push_back(i);
  }
  ASSERT_EQ(starts.size(), 4u) << lines[0];  // SOURCE IDENTIFIER DATE TITLE
  // Every live record has a source, identifier, date and title: each cell
  // starts right where its header does.
  for (std::size_t row = 0; row + 1 < lines.size(); ++row) {
    const auto points = code_points(lines[row]);
    EXPECT_LE(points.size(), 100u) << lines[row];
    for (const auto start : starts) {
      ASSERT_GT(points.size(), start) << lines[row];
      EXPECT_NE(points[start], " ") << lines[row];
      if (start > 0) {
        EXPECT_EQ(points[start - 1], " ") << lines[row];
      }
    }
  }
  const auto seed = run({"query", "--format", "table", "Kyrgyzstan"});
  EXPECT_NE(seed.output.find("…"), std::string::npos) << seed.output;  // too wide for 100 columns
  EXPECT_NE(seed.output.find("CSTO and the agency"), std::string::npos) << seed.output;
}

TEST_P(QueryCli, MalformedSearchIsAUsageError) {
  for (const std::string text : {"AND OR", "\"unclosed", "nosuchcolumn:word"}) {
    const auto result = run({"query", text});
    EXPECT_EQ(result.exit_status, 2) << text << result.output;
    EXPECT_EQ(
        result.output.rfind("oaipmh query: cannot understand the search \"" + text + "\": ", 0), 0u)
        << result.output;
    EXPECT_EQ(result.output.find("fts5:"), std::string::npos) << result.output;
    EXPECT_EQ(lines_of(result.output).size(), 1u) << result.output;
  }
}

TEST_P(QueryCli, NoMatchPrintsNothingAndExitsOne) {
  for (const std::string format : {"jsonl", "csv", "xml", "table"}) {
    const auto result = run({"query", "zzyzx", "--format", format});
    EXPECT_EQ(result.exit_status, 1) << format;
    EXPECT_EQ(result.output, "") << format;
  }
}

TEST_P(QueryCli, ShowByOurIdentifier_AG4) {
  const auto result = run({"show", "oai:aggregator.example.org:csto/" + kSeed});
  ASSERT_EQ(result.exit_status, 0) << result.output;
  const auto& out = result.output;
  EXPECT_NE(out.find("identifier:          oai:aggregator.example.org:csto/" + kSeed),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("upstream identifier: " + kSeed), std::string::npos) << out;
  EXPECT_NE(out.find("source:              csto\n"), std::string::npos) << out;
  EXPECT_NE(out.find("upstream datestamp:  2024-10-03T11:42:07Z"), std::string::npos) << out;
  EXPECT_NE(out.find("deleted:             no"), std::string::npos) << out;
  EXPECT_NE(out.find("csto:publications:year2024"), std::string::npos) << out;
  EXPECT_NE(out.find("provenance:          harvested from http://127.0.0.1:"), std::string::npos)
      << out;
  EXPECT_NE(out.find("responseDate 2026-11-27T09:00:00Z"), std::string::npos) << out;
  EXPECT_NE(out.find("== oai_dc: datestamp "), std::string::npos) << out;
  EXPECT_NE(out.find("<dc:title>CSTO and the agency of small members"), std::string::npos) << out;
}

TEST_P(QueryCli, ShowByUpstreamIdentifierListsEveryFormat) {
  const auto seed = run({"show", kSeed});
  EXPECT_EQ(seed.exit_status, 0) << seed.output;
  EXPECT_NE(seed.output.find("identifier:          oai:aggregator.example.org:csto/" + kSeed),
            std::string::npos);
  const auto wells = run({"show", misc("wells")});
  ASSERT_EQ(wells.exit_status, 0) << wells.output;
  const auto dc = wells.output.find("== oai_dc:");
  const auto marc = wells.output.find("== marc21:");
  ASSERT_NE(dc, std::string::npos) << wells.output;
  ASSERT_NE(marc, std::string::npos) << wells.output;
  EXPECT_LT(dc, marc);
  EXPECT_NE(wells.output.find("<marc:subfield code=\"a\">Water, wells and rivers"),
            std::string::npos);
  const auto gone = run({"show", misc("gone")});
  EXPECT_EQ(gone.exit_status, 0);
  EXPECT_NE(gone.output.find("deleted:             yes"), std::string::npos) << gone.output;
  const auto unknown = run({"show", "oai:nowhere.example.org:1"});
  EXPECT_EQ(unknown.exit_status, 1);
  EXPECT_NE(unknown.output.find("no record with identifier 'oai:nowhere.example.org:1'"),
            std::string::npos)
      << unknown.output;
}

TEST_P(QueryCli, StatusTableShowsEachSource) {
  const auto result = run({"status"});
  ASSERT_EQ(result.exit_status, 0) << result.output;
  const auto& out = result.output;
  EXPECT_NE(out.find("schema version: "), std::string::npos) << out;
  EXPECT_NE(out.find("sources:        3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("records:        26 (3 deleted)\n"), std::string::npos) << out;
  for (const std::string source : {"\ncsto\n", "\nchain\n", "\nmisc\n"}) {
    EXPECT_NE(out.find(source), std::string::npos) << source << out;
  }
  EXPECT_NE(out.find("18 new, 0 updated, 2 deleted, 0 unchanged, 2 pages"), std::string::npos)
      << out;
  EXPECT_NE(
      out.find("formats:        marc21 1 (0 deleted)\n                  oai_dc 4 (1 deleted)"),
      std::string::npos)
      << out;
  const auto next_from = probe()->value(
      "SELECT l.next_from FROM harvest_lists l JOIN sources s ON s.id = l.source_id "
      "WHERE s.name = 'csto'");
  EXPECT_NE(out.find("next from:      oai_dc: " + next_from), std::string::npos) << out;
}

TEST_P(QueryCli, StatusJsonParses) {
  const auto result = run({"status", "--format", "json"});
  ASSERT_EQ(result.exit_status, 0) << result.output;
  const auto status = json::parse(result.output);
  EXPECT_EQ(status.at("totals").at("records"), 26);
  EXPECT_EQ(status.at("totals").at("deleted"), 3);
  const auto& sources = status.at("sources");
  ASSERT_EQ(sources.size(), 3u);
  EXPECT_EQ(sources[0].at("name"), "chain");
  EXPECT_EQ(sources[0].at("records"), 20);
  EXPECT_EQ(sources[0].at("deleted"), 2);
  const auto& run_status = sources[0].at("last_run");
  EXPECT_EQ(run_status.at("result"), "ok");
  EXPECT_EQ(run_status.at("new"), 18);
  EXPECT_EQ(run_status.at("deleted"), 2);
  EXPECT_EQ(run_status.at("pages"), 2);
  EXPECT_TRUE(run_status.at("error").is_null());
  EXPECT_TRUE(run_status.at("ended_at").is_string());
  EXPECT_EQ(sources[0].at("lists").at(0).at("metadata_prefix"), "oai_dc");
  EXPECT_TRUE(sources[0].at("lists").at(0).at("next_from").is_string());
  EXPECT_EQ(sources[2].at("name"), "misc");
  EXPECT_EQ(sources[2].at("formats").size(), 2u);
  EXPECT_EQ(sources[2].at("lists").size(), 2u);
}

TEST_P(QueryCli, QueryAndShowHaveHelp) {
  for (const std::string subcommand : {"query", "show"}) {
    const auto help = testing_support::run_command(kOaipmh + " " + subcommand + " --help");
    EXPECT_EQ(help.exit_status, 0) << subcommand;
    EXPECT_NE(help.output.find("--store"), std::string::npos) << help.output;
    EXPECT_NE(help.output.find("Exit status"), std::string::npos) << help.output;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, QueryCli, testing_support::kEngines,
                         testing_support::engine_name);

}  // namespace
