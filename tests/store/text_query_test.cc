// store::text_query_sql: `oaipmh query` text, FTS5's syntax, read into SQL for
// the PostgreSQL engine, without a database. (That it finds what FTS5 finds
// is QueryCli.TextSyntaxFindsWhatSqliteFinds, on both engines.)
#include "store/postgres/text_query.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/query.h"

namespace store {
namespace {

struct Read {
  TextQuerySql sql;
  std::vector<std::string> params;
};

Read read(const std::string& text) {
  pg::BuiltStatement statement;
  Read result{text_query_sql(text, statement), {}};
  const auto values = statement.params.pointers();
  for (const char* value : values) result.params.emplace_back(value == nullptr ? "" : value);
  return result;
}

std::string error_of(const std::string& text) {
  try {
    read(text);
  } catch (const SearchSyntaxError& error) {
    return error.what();
  }
  return "(no error)";
}

int occurrences(const std::string& text, const std::string& part) {
  int n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(TextQuery, AWordSearchesEveryColumnAndIsAParameter) {
  const auto word = read("Kyrgyzstan");
  EXPECT_EQ(word.params, std::vector<std::string>{"Kyrgyzstan"});  // PostgreSQL folds case
  EXPECT_NE(word.sql.condition.find("r.fts @@ "), std::string::npos) << word.sql.condition;
  EXPECT_NE(word.sql.condition.find("r.fts_other @@ "), std::string::npos);
  EXPECT_EQ(word.sql.condition.find("yrgyz"), std::string::npos) << "the word is in the SQL";
  EXPECT_NE(word.sql.rank_query.find("$1"), std::string::npos);
}

TEST(TextQuery, NoWordOfTheTextEverBecomesSql) {
  const auto quoted = read("\"it's\" OR \"a\"\"b\" OR \"x');DROP\"");
  for (const std::string bad : {"it's", "DROP", "a\"b"}) {
    EXPECT_EQ(quoted.sql.condition.find(bad), std::string::npos) << bad;
  }
  EXPECT_EQ(quoted.params.size(), 3u);
  EXPECT_EQ(error_of("x');DROP"),
            "cannot understand the search \"x');DROP\": syntax error near \"'\"");
}

TEST(TextQuery, ColumnFiltersChooseWeightsAndTheOtherColumn) {
  const auto title = read("title:water");
  EXPECT_NE(title.sql.condition.find(":A"), std::string::npos) << title.sql.condition;
  EXPECT_EQ(title.sql.condition.find("fts_other"), std::string::npos);
  const auto other = read("other:water");
  EXPECT_EQ(other.sql.condition.find("r.fts @@"), std::string::npos) << other.sql.condition;
  EXPECT_NE(other.sql.condition.find("r.fts_other @@"), std::string::npos);
  const auto two = read("{title creator}:water");
  EXPECT_NE(two.sql.condition.find(":AB"), std::string::npos) << two.sql.condition;
  const auto except = read("-title:water");
  EXPECT_NE(except.sql.condition.find(":BCD"), std::string::npos) << except.sql.condition;
  EXPECT_NE(except.sql.condition.find("fts_other"), std::string::npos);
}

TEST(TextQuery, PrecedenceIsOrThenAndThenNotThenSideBySide) {
  // a OR (b AND c): the OR is outermost.
  const auto sql = read("a OR b c").sql.condition;
  ASSERT_EQ(sql.front(), '(');
  const auto or_at = sql.find(" OR (");
  ASSERT_NE(or_at, std::string::npos) << sql;
  EXPECT_NE(sql.find(" AND ", or_at), std::string::npos) << sql;
  // a AND NOT b; a record without text must not make NOT true.
  EXPECT_NE(read("a NOT b").sql.condition.find(" AND NOT coalesce("), std::string::npos);
}

TEST(TextQuery, NegatedTermsDoNotRank) {
  const auto query = read("wells NOT rivers");
  EXPECT_EQ(query.params.size(), 2u);
  EXPECT_EQ(occurrences(query.sql.rank_query, "phraseto_tsquery"), 1) << query.sql.rank_query;
}

TEST(TextQuery, PrefixesPhrasesAndNear) {
  EXPECT_NE(read("kyrg*").sql.condition.find(":*"), std::string::npos);
  EXPECT_NE(read("\"small members\"").sql.condition.find("phraseto_tsquery"), std::string::npos);
  const auto joined = read("small + members");
  EXPECT_NE(joined.sql.condition.find("tsquery_phrase("), std::string::npos);
  // NEAR(a b, 2): b up to 3 positions after a, or a after b.
  const auto near = read("NEAR(agency small, 2)").sql.condition;
  EXPECT_NE(near.find(", 3)"), std::string::npos) << near;
  EXPECT_EQ(near.find(", 4)"), std::string::npos) << near;
  EXPECT_EQ(occurrences(near, "tsquery_phrase("), 2 * 6) << near;  // in fts and fts_other
}

TEST(TextQuery, SyntaxErrorsAreWordedAsFts5WordsThem) {
  EXPECT_EQ(error_of("\"open"), "cannot understand the search \"\"open\": unterminated string");
  EXPECT_EQ(error_of("AND water"),
            "cannot understand the search \"AND water\": syntax error near \"AND\"");
  EXPECT_EQ(error_of("nosuch:water"),
            "cannot understand the search \"nosuch:water\": no such column: nosuch");
  EXPECT_EQ(error_of("NEAR(a b, x)"),
            "cannot understand the search \"NEAR(a b, x)\": expected integer, got \"x\"");
  EXPECT_EQ(error_of("water )"),
            "cannot understand the search \"water )\": syntax error near \")\"");
  EXPECT_EQ(error_of("(water"), "cannot understand the search \"(water\": syntax error near \"\"");
  EXPECT_EQ(error_of("water ;"),
            "cannot understand the search \"water ;\": syntax error near \";\"");
}

}  // namespace
}  // namespace store
