// `oaipmh query` text on a PostgreSQL store: FTS5's query syntax (what the
// SQLite engine hands to FTS5 itself) read into SQL over the tsvector columns
// `fts` (title, creator, subject and description as the weights A to D) and
// `fts_other` (the other elements). Every word of the person's text becomes a
// parameter of the statement, never part of its SQL.
#ifndef STORE_POSTGRES_TEXT_QUERY_H_
#define STORE_POSTGRES_TEXT_QUERY_H_

#include <string>
#include <string_view>

#include "store/postgres/connection.h"

namespace store {

namespace pg {

// A statement built at run time: its SQL and its parameters.
struct BuiltStatement {
  std::string sql;
  Params params;

  // `value` as the next parameter; returns its placeholder ($1, $2, ...).
  template <typename T>
  std::string param(const T& value) {
    params.add(value);
    // Appended, not "$" + ...: GCC 12 at -O3 warns wrongly (-Wrestrict) of the latter.
    std::string placeholder(1, '$');
    placeholder += std::to_string(params.size());
    return placeholder;
  }
};

}  // namespace pg

// What a text query becomes.
struct TextQuerySql {
  // A boolean SQL condition on the record `r` that holds when the record
  // matches the query as FTS5 would match it: words (stemmed as the index
  // was), "phrases" (`+` joins strings into one), prefix*, AND, OR, NOT
  // (precedence OR < AND < NOT < side by side, which is AND), ( groups ),
  // NEAR(phrase phrase ..., distance), and column filters `title:`,
  // `{title creator}:`, `-title:` (columns title, creator, subject,
  // description, other). `^` (at the start of a column) is read and ignored.
  std::string condition;
  // A tsquery expression of the query's terms outside NOT, for ranking;
  // `''::tsquery` when there are none.
  std::string rank_query;
};

// Reads `text` into SQL, adding its words to `statement`'s parameters.
// Throws SearchSyntaxError, worded as FTS5 words its errors: `cannot
// understand the search "<text>": syntax error near "<token>"`, `no such
// column: <name>`, `unterminated string`, `expected integer, got "<word>"`.
TextQuerySql text_query_sql(std::string_view text, pg::BuiltStatement& statement);

}  // namespace store

#endif  // STORE_POSTGRES_TEXT_QUERY_H_
