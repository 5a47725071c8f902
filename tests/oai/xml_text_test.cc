#include "oai/xml_text.h"

#include <gtest/gtest.h>

#include <string>

namespace oai {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

using Removal = std::pair<std::string, std::size_t>;  // {text after, count removed}

// Runs remove_illegal_xml_chars() on a copy; count_illegal_xml_chars() must
// say beforehand how many it removes.
Removal removed(std::string_view input) {
  std::string text(input);
  const std::size_t counted = count_illegal_xml_chars(input);
  const std::size_t count = remove_illegal_xml_chars(text);
  EXPECT_EQ(counted, count) << input;
  return {text, count};
}

TEST(XmlChar, ControlCharacterBoundaries_X1) {
  EXPECT_FALSE(is_xml_char(0x0));
  EXPECT_FALSE(is_xml_char(0x8));
  EXPECT_TRUE(is_xml_char(0x9));
  EXPECT_TRUE(is_xml_char(0xA));
  EXPECT_FALSE(is_xml_char(0xB));
  EXPECT_FALSE(is_xml_char(0xC));
  EXPECT_TRUE(is_xml_char(0xD));
  EXPECT_FALSE(is_xml_char(0xE));
  EXPECT_FALSE(is_xml_char(0x1F));
  EXPECT_TRUE(is_xml_char(0x20));
  EXPECT_TRUE(is_xml_char(0x7F));  // DEL is a Char in XML 1.0
  EXPECT_TRUE(is_xml_char(0x85));
}

TEST(XmlChar, SurrogateBoundaries_X1) {
  EXPECT_TRUE(is_xml_char(0xD7FF));
  EXPECT_FALSE(is_xml_char(0xD800));
  EXPECT_FALSE(is_xml_char(0xDBFF));
  EXPECT_FALSE(is_xml_char(0xDC00));
  EXPECT_FALSE(is_xml_char(0xDFFF));
  EXPECT_TRUE(is_xml_char(0xE000));
}

TEST(XmlChar, NonCharacterAndPlaneBoundaries_X1) {
  EXPECT_TRUE(is_xml_char(0xFFFD));
  EXPECT_FALSE(is_xml_char(0xFFFE));
  EXPECT_FALSE(is_xml_char(0xFFFF));
  EXPECT_TRUE(is_xml_char(0x10000));
  EXPECT_TRUE(is_xml_char(0x1F600));
  EXPECT_TRUE(is_xml_char(0x10FFFF));
  EXPECT_FALSE(is_xml_char(0x110000));
  EXPECT_FALSE(is_xml_char(0xFFFFFFFF));
}

TEST(RemoveIllegalXmlChars, LeavesCleanTextUnchanged_X2) {
  for (const char* text :
       {"", "plain ASCII text", "tab\there\nnew line\r\n",
        "\xD0\x9A\xD1\x8B\xD1\x80\xD0\xB3\xD1\x8B\xD0\xB7\xD1\x81\xD1\x82\xD0\xB0\xD0\xBD",
        "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", "\xF0\x9F\x98\x80 \xF0\x9F\x91\x8D", "\xEF\xBF\xBD",
        "\xED\x9F\xBF", "\xEE\x80\x80", "\xF4\x8F\xBF\xBF", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80",
        "\xF0\x90\x80\x80", "\x7F"}) {
    const auto [result, count] = removed(text);
    EXPECT_EQ(count, 0u) << text;
    EXPECT_EQ(result, text);
  }
}

TEST(RemoveIllegalXmlChars, KeepsMultiByteScripts_X2) {
  for (const char* text :
       {"Кыргызстан", "日本語", "😀👍🏽", "Ünïcödé café", "עברית", "한국어"}) {
    const auto [result, count] = removed(text);
    EXPECT_EQ(count, 0u) << text;
    EXPECT_EQ(result, text);
  }
}

TEST(RemoveIllegalXmlChars, RemovesControlCharacters_X1) {
  EXPECT_EQ(removed("a\x01"
                    "b\x08"
                    "c\x0B"
                    "d\x0C"
                    "e\x1F"
                    "f"),
            Removal("abcdef"s, 5u));
  EXPECT_EQ(removed("\0"sv), Removal(""s, 1u));
  EXPECT_EQ(removed("a\0b\0c"sv), Removal("abc"s, 2u));
  EXPECT_EQ(removed("\x1B[31mred"), Removal("[31mred"s, 1u));
}

TEST(RemoveIllegalXmlChars, RemovesNonCharactersAsOneEach_X1) {
  EXPECT_EQ(removed("a\xEF\xBF\xBE"
                    "b"),
            Removal("ab"s, 1u));  // U+FFFE
  EXPECT_EQ(removed("a\xEF\xBF\xBF"
                    "b"),
            Removal("ab"s, 1u));  // U+FFFF
  EXPECT_EQ(removed("\xEF\xBF\xBE\xEF\xBF\xBF"), Removal(""s, 2u));
}

TEST(RemoveIllegalXmlChars, RemovesInvalidBytes_X2) {
  EXPECT_EQ(removed("a\xFF"
                    "b"),
            Removal("ab"s, 1u));
  EXPECT_EQ(removed("a\xFE\xFF"
                    "b"),
            Removal("ab"s, 2u));
  EXPECT_EQ(removed("a\x80"
                    "b"),
            Removal("ab"s, 1u));  // lone continuation byte
  EXPECT_EQ(removed("\xBF\xBF"), Removal(""s, 2u));
  EXPECT_EQ(removed("a\xF5\x80\x80\x80"), Removal("a"s, 4u));  // would exceed U+10FFFF
  EXPECT_EQ(removed("\xF4\x90\x80\x80"), Removal(""s, 4u));    // U+110000
  // Latin-1 text mistaken for UTF-8: each lone high byte goes.
  EXPECT_EQ(removed("caf\xE9 ol\xE9"), Removal("caf ol"s, 2u));
}

TEST(FindInvalidUtf8, FindsTheFirstByteOutsideAWellFormedSequence_X2) {
  constexpr auto npos = std::string_view::npos;
  EXPECT_EQ(oai::find_invalid_utf8(""), npos);
  EXPECT_EQ(oai::find_invalid_utf8("plain ASCII <and> \x01 controls"), npos);
  EXPECT_EQ(oai::find_invalid_utf8("\xD0\x9A\xD1\x8B\xE4\xB8\xAD \xF0\x9F\x98\x80"), npos);
  EXPECT_EQ(oai::find_invalid_utf8("\xEF\xBF\xBE"), npos);    // U+FFFE: UTF-8, if not an XML Char
  EXPECT_EQ(oai::find_invalid_utf8("caf\xE9"), 3u);           // Latin-1
  EXPECT_EQ(oai::find_invalid_utf8("ab\xC0\xBC"), 2u);        // '<' overlong
  EXPECT_EQ(oai::find_invalid_utf8("\xED\xA0\x80"), 0u);      // an encoded surrogate
  EXPECT_EQ(oai::find_invalid_utf8("\xD0\x9A\xD0"), 2u);      // cut short
  EXPECT_EQ(oai::find_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
}

TEST(RemoveIllegalXmlChars, RemovesOverlongEncodings_X2) {
  EXPECT_EQ(removed("a\xC0\xAF"
                    "b"),
            Removal("ab"s, 2u));  // '/' in two bytes
  EXPECT_EQ(removed("\xC1\xBF"), Removal(""s, 2u));
  EXPECT_EQ(removed("\xC0\x80"), Removal(""s, 2u));          // NUL in two bytes
  EXPECT_EQ(removed("\xE0\x80\xAF"), Removal(""s, 3u));      // '/' in three bytes
  EXPECT_EQ(removed("\xE0\x9F\xBF"), Removal(""s, 3u));      // U+07FF in three bytes
  EXPECT_EQ(removed("\xF0\x80\x80\xAF"), Removal(""s, 4u));  // '/' in four bytes
  EXPECT_EQ(removed("\xF0\x8F\xBF\xBF"), Removal(""s, 4u));  // U+FFFF in four bytes
}

TEST(RemoveIllegalXmlChars, RemovesEncodedSurrogates_X2) {
  EXPECT_EQ(removed("a\xED\xA0\x80"
                    "b"),
            Removal("ab"s, 3u));                         // U+D800
  EXPECT_EQ(removed("\xED\xBF\xBF"), Removal(""s, 3u));  // U+DFFF
  // CESU-8 pair for U+1F600.
  EXPECT_EQ(removed("\xED\xA0\xBD\xED\xB8\x80"), Removal(""s, 6u));
}

TEST(RemoveIllegalXmlChars, RemovesTruncatedSequencesAtEnd_X2) {
  EXPECT_EQ(removed("abc\xC3"), Removal("abc"s, 1u));
  EXPECT_EQ(removed("abc\xE6\x97"), Removal("abc"s, 2u));
  EXPECT_EQ(removed("abc\xF0\x9F\x98"), Removal("abc"s, 3u));
  EXPECT_EQ(removed("\xE6"), Removal(""s, 1u));
}

// The view ends inside a character whose remaining bytes follow in memory:
// they are outside the text and must not complete it.
TEST(XmlEscaped, TruncatedSequenceAtEndOfViewIsNotCompletedPastIt_X2) {
  const std::string buffer = "ab\xE6\x97\xA5\xF0\x9F\x98\x80";
  std::string out;
  EXPECT_EQ(append_xml_escaped(out, std::string_view(buffer).substr(0, 4)), 2u);
  EXPECT_EQ(out, "ab");
  out.clear();
  EXPECT_EQ(append_xml_escaped(out, std::string_view(buffer).substr(0, 8)), 3u);
  EXPECT_EQ(out, "ab\xE6\x97\xA5");
}

TEST(RemoveIllegalXmlChars, ResynchronisesAfterTruncatedSequence_X2) {
  // A lead byte followed by ASCII or by a new lead: only the broken part goes.
  EXPECT_EQ(removed("\xC3"
                    "a"),
            Removal("a"s, 1u));
  EXPECT_EQ(removed("\xE6\x97"
                    "a"),
            Removal("a"s, 2u));
  EXPECT_EQ(removed("\xE6\xE6\x97\xA5"), Removal("\xE6\x97\xA5"s, 1u));
  EXPECT_EQ(removed("\xF0\x9F\xF0\x9F\x98\x80"), Removal("\xF0\x9F\x98\x80"s, 2u));
}

TEST(RemoveIllegalXmlChars, KeepsGoodTextAroundBadBytes_X2) {
  const auto [result, count] = removed("Кыр\xFFгыз\x01стан\xEF\xBF\xBE");
  EXPECT_EQ(result, "Кыргызстан");
  EXPECT_EQ(count, 3u);
}

TEST(RemoveIllegalXmlChars, IsIdempotent_X2) {
  std::string text = "a\xC0\xAF\x01\xED\xA0\x80日\xF0\x9F\x98";
  remove_illegal_xml_chars(text);
  const std::string once = text;
  EXPECT_EQ(remove_illegal_xml_chars(text), 0u);
  EXPECT_EQ(text, once);
  EXPECT_EQ(once, "a日");
}

TEST(XmlEscaped, EscapesMarkupInText_X1) {
  EXPECT_EQ(xml_escaped("a & b < c > d"), "a &amp; b &lt; c &gt; d");
  EXPECT_EQ(xml_escaped("]]>"), "]]&gt;");
  EXPECT_EQ(xml_escaped("&amp;"), "&amp;amp;");
  EXPECT_EQ(xml_escaped("<a href=\"x\">"), "&lt;a href=\"x\"&gt;");
}

TEST(XmlEscaped, LeavesQuotesTabsAndNewlinesInText_X1) {
  EXPECT_EQ(xml_escaped("\"quoted\" 'single'"), "\"quoted\" 'single'");
  EXPECT_EQ(xml_escaped("a\tb\nc"), "a\tb\nc");
}

// A parser turns a raw CR into LF, so only an escaped CR survives a round trip.
TEST(XmlEscaped, EscapesCarriageReturnInText_X1) { EXPECT_EQ(xml_escaped("c\r\nd"), "c&#13;\nd"); }

TEST(XmlEscaped, EscapesQuotesAndWhiteSpaceInAttributes_X1) {
  EXPECT_EQ(xml_escaped("say \"hi\"", XmlContext::kAttribute), "say &quot;hi&quot;");
  EXPECT_EQ(xml_escaped("a\tb\nc\rd", XmlContext::kAttribute), "a&#9;b&#10;c&#13;d");
  EXPECT_EQ(xml_escaped("a & <b>", XmlContext::kAttribute), "a &amp; &lt;b&gt;");
  // Single quotes are safe inside a double-quoted attribute.
  EXPECT_EQ(xml_escaped("it's", XmlContext::kAttribute), "it's");
}

TEST(XmlEscaped, PassesMultiByteTextUnchanged_X2) {
  for (XmlContext context : {XmlContext::kText, XmlContext::kAttribute}) {
    for (const char* text :
         {"Кыргызстан", "日本語", "😀👍🏽", "\xF4\x8F\xBF\xBF", "\xEF\xBF\xBD"}) {
      std::string out;
      EXPECT_EQ(append_xml_escaped(out, text, context), 0u) << text;
      EXPECT_EQ(out, text);
    }
  }
  EXPECT_EQ(xml_escaped("Кыргызстан & 日本語 <😀>"), "Кыргызстан &amp; 日本語 &lt;😀&gt;");
}

TEST(XmlEscaped, DropsIllegalCharactersAndCountsThem_X1) {
  std::string out = "<x>";
  EXPECT_EQ(append_xml_escaped(out,
                               "a\x01<\xC0\xAF\xEF\xBF\xBE"
                               "b"),
            4u);
  EXPECT_EQ(out, "<x>a&lt;b");
  out.clear();
  EXPECT_EQ(append_xml_escaped(out, "\x0B\"\xED\xA0\x80", XmlContext::kAttribute), 4u);
  EXPECT_EQ(out, "&quot;");
}

TEST(XmlEscaped, AppendsWithoutTouchingExistingOutput_X1) {
  std::string out = "prefix \x01 & ";
  EXPECT_EQ(append_xml_escaped(out, "&"), 0u);
  EXPECT_EQ(out, "prefix \x01 & &amp;");
}

TEST(XmlEscaped, AgreesWithRemoveIllegalXmlChars_X1) {
  for (std::string_view input :
       {"a\x01"
        "b"sv,
        "\xC0\xAF"sv, "\xED\xA0\x80x"sv, "\xE6\x97"sv, "ok"sv, "\0\0"sv, "日\xFF本"sv}) {
    std::string copy(input);
    const std::size_t expected = remove_illegal_xml_chars(copy);
    std::string out;
    EXPECT_EQ(append_xml_escaped(out, input), expected) << input;
    EXPECT_EQ(out, copy);
  }
}

TEST(XmlEscaped, EmptyInputGivesEmptyOutput_X1) {
  EXPECT_EQ(xml_escaped(""), "");
  EXPECT_EQ(xml_escaped("", XmlContext::kAttribute), "");
}

}  // namespace
}  // namespace oai
