#include "store/postgres/text_query.h"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "store/prepared_records.h"
#include "store/query.h"

namespace store {
namespace {

// The columns of SQLite's dc_fts a term may match, as bits.
constexpr unsigned kTitle = 1, kCreator = 2, kSubject = 4, kDescription = 8, kOther = 16;
constexpr unsigned kAllColumns = 31;

enum class Token {
  kString,
  kAnd,
  kOr,
  kNot,
  kLeft,
  kRight,
  kLeftBrace,
  kRightBrace,
  kColon,
  kComma,
  kPlus,
  kStar,
  kMinus,
  kCaret,
  kEnd
};

// FTS5's bareword characters: letters, digits, '_', every non-ASCII byte.
bool bareword(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte >= 0x80 || std::isalnum(byte) != 0 || c == '_' || c == '\x1a';
}

class TextQuery {
 public:
  TextQuery(std::string_view text, pg::BuiltStatement& statement)
      : text_(text), statement_(statement) {
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
        {'(', Token::kLeft},       {')', Token::kRight}, {'{', Token::kLeftBrace},
        {'}', Token::kRightBrace}, {':', Token::kColon}, {',', Token::kComma},
        {'+', Token::kPlus},       {'*', Token::kStar},  {'-', Token::kMinus},
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
    token_ = word_ == "AND"   ? Token::kAnd
             : word_ == "OR"  ? Token::kOr
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
    for (const char c : name)
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
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
        if (token_ != Token::kString || !std::all_of(word_.begin(), word_.end(), [](char c) {
              return std::isdigit(static_cast<unsigned char>(c)) != 0;
            })) {
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
    std::string base = "phraseto_tsquery('oaipmh_text', " + value + ")";
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
  pg::BuiltStatement& statement_;
  std::size_t at_ = 0;
  Token token_ = Token::kEnd;
  std::string word_;
  bool quoted_ = false;
  int negated_ = 0;                  // inside the right side of a NOT
  std::vector<std::string> ranked_;  // the positive terms' tsqueries
};

}  // namespace

TextQuerySql text_query_sql(std::string_view text, pg::BuiltStatement& statement) {
  try {
    TextQuerySql sql;
    sql.condition = TextQuery(text, statement).parse(sql.rank_query);
    return sql;
  } catch (const TextQuery::SyntaxFailure& failure) {
    throw SearchSyntaxError("cannot understand the search \"" + std::string(text) +
                            "\": " + failure.why);
  }
}

}  // namespace store
