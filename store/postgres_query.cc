// Searches, single items and per-source status on the PostgreSQL store, with
// the semantics of query.cc on SQLite. The text query keeps FTS5's syntax:
// a small parser turns it into SQL over the tsvector columns fts (title,
// creator, subject and description as weights A to D) and fts_other, every
// word of the person's text passed as a parameter, never spliced in.
#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include "store/postgres_backend.h"
#include "store/prepared_records.h"

namespace store {
namespace {

// A statement built at run time: its SQL and its parameters.
struct Statement {
  std::string sql;
  pg::Params params;

  // `value` as the next parameter; returns its placeholder.
  template <typename T>
  std::string param(const T& value) {
    params.add(value);
    return "$" + std::to_string(params.size());
  }
};

// ---- The text query: FTS5's syntax, read into SQL. ----

// The columns of SQLite's dc_fts a term may match, as bits.
constexpr unsigned kTitle = 1, kCreator = 2, kSubject = 4, kDescription = 8, kOther = 16;
constexpr unsigned kAllColumns = 31;

enum class Token { kString, kAnd, kOr, kNot, kLeft, kRight, kLeftBrace, kRightBrace, kColon,
                   kComma, kPlus, kStar, kMinus, kCaret, kEnd };

// FTS5's bareword characters: letters, digits, '_', every non-ASCII byte.
bool bareword(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte >= 0x80 || std::isalnum(byte) != 0 || c == '_' || c == '\x1a';
}

class TextQuery {
 public:
  TextQuery(std::string_view text, Statement& statement) : text_(text), statement_(statement) {
    next();
  }

  // The SQL condition on `r` the whole query makes, and the tsquery of its
  // positive terms for ranking (in `rank_query`).
  std::string parse(std::string& rank_query) {
    std::string condition = expression(kAllColumns);
    if (token_ != Token::kEnd) fail_near();
    rank_query = ranked_.empty() ? "''::tsquery" : "(" + join(ranked_, " || ") + ")";
    return condition;
  }

 private:
  [[noreturn]] void fail(const std::string& why) { throw SyntaxFailure{why}; }
  [[noreturn]] void fail_near() { fail("syntax error near \"" + word_ + "\""); }

  // Reads the next token into token_ (and its text into word_).
  void next() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_])) != 0) ++at_;
    word_.clear();
    if (at_ >= text_.size()) {
      token_ = Token::kEnd;
      return;
    }
    const char c = text_[at_];
    static constexpr std::pair<char, Token> kPunctuation[] = {
        {'(', Token::kLeft},  {')', Token::kRight}, {'{', Token::kLeftBrace},
        {'}', Token::kRightBrace}, {':', Token::kColon}, {',', Token::kComma},
        {'+', Token::kPlus},  {'*', Token::kStar},  {'-', Token::kMinus},
        {'^', Token::kCaret}};
    for (const auto& [character, token] : kPunctuation) {
      if (c == character) {
        word_ = std::string(1, c);
        token_ = token;
        ++at_;
        return;
      }
    }
    if (c == '"') {  // "" inside stands for one quote
      for (++at_;; ++at_) {
        if (at_ >= text_.size()) fail("unterminated string");
        if (text_[at_] == '"') {
          if (at_ + 1 < text_.size() && text_[at_ + 1] == '"') {
            word_ += '"';
            ++at_;
            continue;
          }
          ++at_;
          break;
        }
        word_ += text_[at_];
      }
      token_ = Token::kString;
      quoted_ = true;
      return;
    }
    if (!bareword(c)) {
      word_ = std::string(1, c);
      fail_near();
    }
    while (at_ < text_.size() && bareword(text_[at_])) word_ += text_[at_++];
    quoted_ = false;
    token_ = word_ == "AND" ? Token::kAnd
             : word_ == "OR" ? Token::kOr
             : word_ == "NOT" ? Token::kNot
                              : Token::kString;
  }

  // Whether the string token just read is followed by `c` (looking ahead
  // without reading).
  bool followed_by(char c) const {
    std::size_t at = at_;
    while (at < text_.size() && std::isspace(static_cast<unsigned char>(text_[at])) != 0) ++at;
    return at < text_.size() && text_[at] == c;
  }

  // Precedence as FTS5: OR loosest, then AND, then NOT, then terms side by
  // side (an implicit AND).
  std::string expression(unsigned columns) {
    std::string left = conjunction(columns);
    while (token_ == Token::kOr) {
      next();
      left = "(" + left + " OR " + conjunction(columns) + ")";
    }
    return left;
  }

  std::string conjunction(unsigned columns) {
    std::string left = negation(columns);
    while (token_ == Token::kAnd) {
      next();
      left = "(" + left + " AND " + negation(columns) + ")";
    }
    return left;
  }

  std::string negation(unsigned columns) {
    std::string left = sequence(columns);
    while (token_ == Token::kNot) {
      next();
      ++negated_;
      const std::string right = sequence(columns);
      --negated_;
      // A term NULL for a record without text must not make NOT true.
      left = "(" + left + " AND NOT coalesce(" + right + ", false))";
    }
    return left;
  }

  // Either one group, `( ... )` or `columns : ( ... )`, or phrases and
  // NEAR groups side by side (with or without a column filter each): FTS5
  // puts no implicit AND next to a group.
  std::string sequence(unsigned columns) {
    if (token_ == Token::kLeft) return group(columns);
    if (starts_column_filter()) {
      const std::size_t at = at_;
      const Token token = token_;
      const std::string word = word_;
      const bool quoted = quoted_;
      const unsigned filtered = columns & column_set();
      if (token_ != Token::kColon) fail_near();
      next();
      if (token_ == Token::kLeft) return group(filtered);
      at_ = at;  // not a group: read the filter again as the first term's
      token_ = token;
      word_ = word;
      quoted_ = quoted;
    }
    std::string left = term(columns);
    while (token_ == Token::kString || token_ == Token::kLeftBrace || token_ == Token::kMinus ||
           token_ == Token::kCaret) {
      left = "(" + left + " AND " + term(columns) + ")";
    }
    return left;
  }

  std::string group(unsigned columns) {
    next();  // (
    std::string inner = expression(columns);
    if (token_ != Token::kRight) fail_near();
    next();
    return "(" + inner + ")";
  }

  bool starts_column_filter() const {
    return token_ == Token::kLeftBrace || token_ == Token::kMinus ||
           (token_ == Token::kString && !quoted_ && followed_by(':'));
  }

  // A phrase or NEAR group, perhaps after a column filter.
  std::string term(unsigned columns) {
    if (starts_column_filter()) {
      columns &= column_set();
      if (token_ != Token::kColon) fail_near();
      next();
    }
    return near_set(columns);
  }

  // A column filter: `name`, `{name ...}` or either after `-` (every column
  // but those).
  unsigned column_set() {
    const bool except = token_ == Token::kMinus;
    if (except) next();
    unsigned set = 0;
    if (token_ == Token::kLeftBrace) {
      next();
      if (token_ != Token::kString) fail_near();
      while (token_ == Token::kString) {
        set |= column(word_);
        next();
      }
      if (token_ != Token::kRightBrace) fail_near();
      next();
    } else if (token_ == Token::kString) {
      set = column(word_);
      next();
    } else {
      fail_near();
    }
    return except ? kAllColumns & ~set : set;
  }

  unsigned column(const std::string& name) {
    std::string lower;
    for (const char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "title") return kTitle;
    if (lower == "creator") return kCreator;
    if (lower == "subject") return kSubject;
    if (lower == "description") return kDescription;
    if (lower == "other") return kOther;
    fail("no such column: " + name);
  }

  // A phrase, or NEAR(phrase phrase ..., distance).
  std::string near_set(unsigned columns) {
    // FTS5's ^ (the phrase starts its column) has no tsquery form: the
    // phrase is matched anywhere in the column.
    if (token_ == Token::kCaret) next();
    if (token_ != Token::kString) fail_near();
    if (!quoted_ && word_ == "NEAR" && followed_by('(')) {
      next();
      next();
      std::vector<std::string> phrases;
      while (token_ == Token::kString) phrases.push_back(phrase(columns));
      if (phrases.empty()) fail_near();
      long distance = 10;
      if (token_ == Token::kComma) {
        next();
        if (token_ != Token::kString ||
            !std::all_of(word_.begin(), word_.end(),
                         [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
          fail("expected integer, got \"" + word_ + "\"");
        }
        distance = std::stol(word_.substr(0, 9));
        next();
      }
      if (token_ != Token::kRight) fail_near();
      next();
      return match(near(phrases, distance), columns);
    }
    return match(phrase(columns), columns);
  }

  // NEAR(a b, n): some b within n tokens after a, or a after b, for each
  // pair; a tsquery says "exactly k positions after", so one term a k.
  // Beyond 64 tokens the pair is only asked to occur together.
  static std::string near(const std::vector<std::string>& phrases, long distance) {
    if (phrases.size() == 1) return phrases[0];
    std::vector<std::string> pairs;
    for (std::size_t i = 0; i < phrases.size(); ++i) {
      for (std::size_t j = i + 1; j < phrases.size(); ++j) {
        if (distance + 1 > 64) {
          pairs.push_back("(" + phrases[i] + " && " + phrases[j] + ")");
          continue;
        }
        std::vector<std::string> either;
        for (long k = 1; k <= distance + 1; ++k) {
          const auto gap = std::to_string(k);
          either.push_back("tsquery_phrase(" + phrases[i] + ", " + phrases[j] + ", " + gap + ")");
          either.push_back("tsquery_phrase(" + phrases[j] + ", " + phrases[i] + ", " + gap + ")");
        }
        pairs.push_back("(" + join(either, " || ") + ")");
      }
    }
    return "(" + join(pairs, " && ") + ")";
  }

  // One phrase: strings joined by `+`, each tokenised by PostgreSQL as fts
  // was, the last token of each a prefix when a `*` follows. Returns a
  // tsquery expression restricted to the columns' weights.
  std::string phrase(unsigned columns) {
    std::string chain;
    for (;;) {
      if (token_ != Token::kString) fail_near();
      const std::string value = statement_.param(split_words(word_));
      next();
      const bool prefix = token_ == Token::kStar;
      if (prefix) next();
      const std::string part = lexemes(value, prefix, columns);
      chain = chain.empty() ? part : "tsquery_phrase(" + chain + ", " + part + ")";
      if (token_ != Token::kPlus) break;
      next();
    }
    return chain;
  }

  // The tsquery of one string: its tokens in a <-> chain, each lexeme marked
  // with the weights of `columns` (none: every weight), the last one a
  // prefix if asked. The marks are added to tsquery's text form, where each
  // lexeme is quoted ('it''s'); a string without tokens gives NULL.
  static std::string lexemes(const std::string& value, bool prefix, unsigned columns) {
    const std::string base = "phraseto_tsquery('oaipmh_text', " + value + ")";
    std::string weights;
    if ((columns & kTitle) != 0) weights += 'A';
    if ((columns & kCreator) != 0) weights += 'B';
    if ((columns & kSubject) != 0) weights += 'C';
    if ((columns & kDescription) != 0) weights += 'D';
    if (weights.size() == 4) weights.clear();
    if (!prefix && weights.empty()) return base;
    std::string text = "nullif(" + base + "::text, '')";
    if (!weights.empty()) {
      text = "regexp_replace(" + text + ", '''(?:[^'']|'''')*''', '\\&:" + weights + "', 'g')";
    }
    if (prefix) text = "(" + text + " || '" + (weights.empty() ? ":*" : "*") + "')";
    return "(" + text + ")::tsquery";
  }

  // The condition that the tsquery `query` matches the record's text in
  // `columns`.
  std::string match(const std::string& query, unsigned columns) {
    if (negated_ == 0) ranked_.push_back("coalesce(" + query + ", ''::tsquery)");
    std::vector<std::string> either;
    if ((columns & ~kOther) != 0) either.push_back("r.fts @@ " + query);
    if ((columns & kOther) != 0) either.push_back("r.fts_other @@ " + query);
    if (either.empty()) return "false";
    return "(" + join(either, " OR ") + ")";
  }

  static std::string join(const std::vector<std::string>& parts, const std::string& separator) {
    std::string out;
    for (const auto& part : parts) out += (out.empty() ? "" : separator) + part;
    return out;
  }

 public:
  struct SyntaxFailure {
    std::string why;
  };

 private:
  std::string_view text_;
  Statement& statement_;
  std::size_t at_ = 0;
  Token token_ = Token::kEnd;
  std::string word_;
  bool quoted_ = false;
  int negated_ = 0;                  // inside the right side of a NOT
  std::vector<std::string> ranked_;  // the positive terms' tsqueries
};

// ---- Filters, as SEARCH_FILTERS in query.cc. ----

// Lower-cases A-Z only, as SQLite's lower() does: PostgreSQL's lower() under
// the "C" collation (under others it would fold non-ASCII letters too).
// translate() with the alphabet does the same, 17 times slower.
std::string ascii_lower(const std::string& sql) { return "lower((" + sql + ") COLLATE \"C\")"; }

// The needle lower-cased as it appears in records.dc's JSON text, or nullopt
// when JSON may spell it otherwise (as quick_needle() in query.cc).
std::optional<std::string> quick_needle(const std::string& needle) {
  std::string lowered;
  for (const char c : needle) {
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\\' || c == '/') return std::nullopt;
    lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lowered;
}

// The day (YYYY-MM-DD), month (YYYY-MM) or year (YYYY) a dc:date value `v`
// starts with, as read_lenient_date() reads it (the longest that no digit
// follows); NULL otherwise. One regular expression: three cost 4 times more.
#define PG_DATE_PREFIX                                                                       \
  "substring(v COLLATE \"C\" from '^(?:[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])" \
  "(?![0-9])|[0-9]{4}-(?:0[1-9]|1[0-2])(?![0-9])|[0-9]{4}(?![0-9]))')"

// Appends the conditions every search holds to, after the record's prefix.
void add_filters(Statement& statement, const SearchQuery& query) {
  auto& sql = statement.sql;
  sql += "r.metadata_prefix = 'oai_dc' ";
  if (query.deleted == DeletedFilter::kLiveOnly) sql += "AND NOT r.deleted ";
  if (query.deleted == DeletedFilter::kDeletedOnly) sql += "AND r.deleted ";
  if (query.source) sql += "AND s.name = " + statement.param(*query.source) + " ";
  if (query.set_spec) {
    const auto colon = query.set_spec->find(':');
    sql += "AND s.name = " + statement.param(query.set_spec->substr(0, colon)) + " ";
    if (colon != std::string::npos) {
      const auto set = statement.param(query.set_spec->substr(colon + 1));
      sql += "AND EXISTS (SELECT 1 FROM record_sets x WHERE x.record_id = r.id AND (x.set_spec = " +
             set + " OR left(x.set_spec, length(" + set + ") + 1) = " + set + " || ':')) ";
    }
  }
  const std::pair<const char*, const std::optional<std::string>*> elements[] = {
      {"title", &query.title},
      {"creator", &query.creator},
      {"subject", &query.subject},
      {"type", &query.type},
      {"language", &query.language}};
  for (const auto& [element, needle] : elements) {
    if (!*needle) continue;
    // A substring of the lower-cased JSON text first: four times cheaper
    // than reading the elements, and it rules most records out.
    if (const auto quick = quick_needle(**needle)) {
      sql += "AND strpos(" + ascii_lower("r.dc") + ", " + statement.param(*quick) + ") > 0 ";
    }
    sql += "AND EXISTS (SELECT 1 FROM json_array_elements(r.dc::json) e WHERE e->>0 = '" +
           std::string(element) + "' AND strpos(" + ascii_lower("e->>1") + ", " +
           ascii_lower(statement.param(**needle) + "::text") + ") > 0) ";
  }
  if (query.date_from || query.date_to) {
    const auto from =
        query.date_from ? read_date_bound(*query.date_from) : DayRange{"0000-01-01", ""};
    const auto to = query.date_to ? read_date_bound(*query.date_to) : DayRange{"", "9999-12-31"};
    if (!from || !to)
      throw StoreError("a date bound must be YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ");
    // Some dc:date value overlaps the days: its first day (padded with
    // 0000-01-01) is not after the last, its last (padded with 9999-12-31)
    // not before the first.
    sql += "AND strpos(r.dc, '[\"date\",') > 0 AND EXISTS (SELECT 1 FROM (SELECT " PG_DATE_PREFIX
           " AS d FROM (SELECT e->>1 AS v FROM json_array_elements(r.dc::json) e "
           "WHERE e->>0 = 'date') values_) dates WHERE d IS NOT NULL "
           "AND (d || substr('0000-01-01', length(d) + 1)) COLLATE \"C\" <= " +
           statement.param(to->last) +
           " AND (d || substr('9999-12-31', length(d) + 1)) COLLATE \"C\" >= " +
           statement.param(from->first) + ") ";
  }
}

// The text query's condition (and its ranking tsquery), or throws
// SearchSyntaxError as the SQLite engine words it.
std::string text_condition(Statement& statement, const std::string& text, std::string& rank) {
  try {
    return TextQuery(text, statement).parse(rank);
  } catch (const TextQuery::SyntaxFailure& failure) {
    throw SearchSyntaxError("cannot understand the search \"" + text + "\": " + failure.why);
  }
}

// The columns of a hit: a served record (no namespace; as read_served()
// reads them), then its Dublin Core
// elements as element US value US lang, RS between them (control
// characters XML text cannot hold).
#define PG_HIT_COLUMNS                                                                       \
  "r.id, s.name, r.upstream_identifier, r.datestamp, r.deleted, "                            \
  "CASE WHEN %METADATA% THEN r.metadata END, r.about, r.upstream_datestamp, r.harvest_date, " \
  "coalesce(nullif(s.declared_base_url, ''), s.base_url), '', "                              \
  "(SELECT string_agg(x.set_spec, E'\\n' ORDER BY x.set_spec) FROM record_sets x "           \
  "WHERE x.record_id = r.id), "                                                              \
  "CASE WHEN NOT r.deleted THEN (SELECT string_agg(concat_ws(chr(31), e.value->>0, "         \
  "e.value->>1, coalesce(e.value->>2, '')), chr(30) ORDER BY e.n) "                          \
  "FROM json_array_elements(r.dc::json) WITH ORDINALITY AS e(value, n)) END "

SearchHit read_hit(const pg::Result& rows, int row) {
  SearchHit hit{read_served(rows, row), {}};
  for (const auto& element : split_at(rows.text(row, 12), '\x1e')) {
    const auto first = element.find('\x1f');
    const auto second = element.find('\x1f', first + 1);
    hit.dc.push_back({element.substr(0, first), element.substr(first + 1, second - first - 1),
                      element.substr(second + 1)});
  }
  return hit;
}

std::string with_metadata(const char* columns, bool metadata) {
  std::string sql = columns;
  sql.replace(sql.find("%METADATA%"), 10, metadata ? "true" : "false");
  return sql;
}

}  // namespace

void PostgresBackend::search(const SearchQuery& query,
                             const std::function<void(const SearchHit&)>& each) {
  Statement statement;
  std::string matches = "FROM records r JOIN sources s ON s.id = r.source_id WHERE ";
  statement.sql = "SELECT r.id AS hit, ";
  std::string condition, rank;
  if (query.text) {
    condition = text_condition(statement, *query.text, rank);
    statement.sql += "coalesce(ts_rank_cd(r.fts, " + rank + "), 0) + coalesce(ts_rank_cd(" +
                     "r.fts_other, " + rank + "), 0) AS score, ";
  } else {
    statement.sql += "0 AS score, ";
  }
  statement.sql += "r.datestamp AS datestamp " + matches;
  if (query.text) statement.sql += condition + " AND ";
  add_filters(statement, query);
  // The best matches (by relevance; without text, the newest) first, and
  // only then their columns: ranking carries no record's XML along.
  const std::string order = query.text ? "score DESC, hit DESC" : "datestamp DESC, hit DESC";
  statement.sql += "ORDER BY " + order + " LIMIT " +
                   (query.limit > 0 ? std::to_string(query.limit) : std::string("ALL"));
  statement.sql = "SELECT " + with_metadata(PG_HIT_COLUMNS, query.with_metadata) + "FROM (" +
                  statement.sql + ") top JOIN records r ON r.id = top.hit "
                  "JOIN sources s ON s.id = r.source_id ORDER BY top." +
                  (query.text ? "score DESC" : "datestamp DESC") + ", top.hit DESC";
  // A cursor keeps memory flat however many records match: the hits come
  // a batch at a time, all from one snapshot.
  pg::Transaction transaction(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  connection.run_once("DECLARE hits NO SCROLL CURSOR FOR " + statement.sql, statement.params);
  for (;;) {
    auto rows = connection.run("FETCH 500 FROM hits");
    for (int row = 0; row < rows.rows(); ++row) each(read_hit(rows, row));
    if (rows.rows() < 500) break;
  }
  connection.exec("CLOSE hits");
  transaction.commit();
}

std::int64_t PostgresBackend::count(const SearchQuery& query) {
  Statement statement;
  statement.sql = "SELECT count(*) FROM records r JOIN sources s ON s.id = r.source_id WHERE ";
  if (query.text) {
    std::string rank;
    statement.sql += text_condition(statement, *query.text, rank) + " AND ";
  }
  add_filters(statement, query);
  return connection.run_once(statement.sql, statement.params).integer(0, 0);
}

std::vector<std::pair<std::string, std::string>> PostgresBackend::records_of_item(
    std::string_view upstream_identifier, const std::optional<std::string>& source) {
  auto rows = connection.run(
      "SELECT s.name, r.metadata_prefix FROM records r JOIN sources s ON s.id = r.source_id "
      "WHERE r.source_id IN (SELECT id FROM sources WHERE $2::text IS NULL OR name = $2) "
      "AND r.upstream_identifier = $1 "
      "ORDER BY s.name, r.metadata_prefix <> 'oai_dc', r.metadata_prefix",
      pg::Params().add(upstream_identifier).add(source));
  std::vector<std::pair<std::string, std::string>> keys;
  for (int row = 0; row < rows.rows(); ++row) keys.emplace_back(rows.text(row, 0), rows.text(row, 1));
  return keys;
}

std::vector<SourceStatus> PostgresBackend::source_status() {
  auto sources = connection.run(
      "SELECT id, name, base_url, nullif(declared_base_url, ''), repository_name FROM sources "
      "ORDER BY name");
  std::vector<SourceStatus> result;
  for (int row = 0; row < sources.rows(); ++row) {
    const auto id = pg::Params().add(sources.integer(row, 0));
    SourceStatus status;
    status.name = sources.text(row, 1);
    status.base_url = sources.text(row, 2);
    status.declared_base_url = sources.optional_text(row, 3);
    status.repository_name = sources.optional_text(row, 4);
    auto formats = connection.run(
        "SELECT metadata_prefix, count(*), count(*) FILTER (WHERE deleted) FROM records "
        "WHERE source_id = $1 GROUP BY metadata_prefix ORDER BY metadata_prefix",
        id);
    for (int f = 0; f < formats.rows(); ++f) {
      status.formats.push_back({formats.text(f, 0), formats.integer(f, 1), formats.integer(f, 2)});
      status.records += formats.integer(f, 1);
      status.deleted += formats.integer(f, 2);
    }
    auto run = connection.run(
        "SELECT id, started_at, ended_at, result, records_new, records_updated, "
        "records_deleted, records_unchanged, pages, bytes, retries, error FROM harvest_runs "
        "WHERE source_id = $1 ORDER BY id DESC LIMIT 1",
        id);
    if (run.rows() > 0) {
      status.last_run = RunStatus{
          run.integer(0, 0),
          run.text(0, 1),
          run.optional_text(0, 2),
          run.text(0, 3),
          {run.integer(0, 4), run.integer(0, 5), run.integer(0, 6), run.integer(0, 7)},
          run.integer(0, 8),
          run.integer(0, 9),
          run.integer(0, 10),
          run.optional_text(0, 11)};
    }
    auto lists = connection.run(
        "SELECT l.metadata_prefix, l.set_spec, l.next_from, l.completed_at, "
        "EXISTS (SELECT 1 FROM checkpoints c WHERE c.list_id = l.id) FROM harvest_lists l "
        "WHERE l.source_id = $1 ORDER BY l.metadata_prefix, l.set_spec",
        id);
    for (int l = 0; l < lists.rows(); ++l) {
      status.lists.push_back({lists.text(l, 0), lists.text(l, 1), lists.optional_text(l, 2),
                              lists.optional_text(l, 3), lists.boolean(l, 4)});
    }
    result.push_back(std::move(status));
  }
  return result;
}

}  // namespace store
