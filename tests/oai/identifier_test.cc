#include "oai/identifier.h"

#include <gtest/gtest.h>

#include <string>

namespace oai {
namespace {

using namespace std::string_view_literals;

TEST(RepositoryIdentifier, AcceptsDomainsOfTwoOrMoreLabels_OI1) {
  for (const char* good :
       {"an.oai.org", "example.org", "a.b", "arXiv.org", "lcoa1.loc.gov", "x-y.z9", "A.B-C.d0-"}) {
    EXPECT_TRUE(is_valid_repository_identifier(good)) << good;
  }
}

TEST(RepositoryIdentifier, RejectsSingleLabel_OI1) {
  for (const char* bad : {"localhost", "org", "a"}) {
    EXPECT_FALSE(is_valid_repository_identifier(bad)) << bad;
  }
}

TEST(RepositoryIdentifier, RejectsLabelsNotStartingWithLetter_OI1) {
  for (const char* bad :
       {"1example.org", "example.9org", "-a.org", "a.-org", "127.0.0.1", "example.org.1"}) {
    EXPECT_FALSE(is_valid_repository_identifier(bad)) << bad;
  }
}

TEST(RepositoryIdentifier, RejectsEmptyLabelsAndOtherCharacters_OI1) {
  for (const char* bad : {"", ".", "a..org", ".example.org", "example.org.", "exa_mple.org",
                          "example.org:8080", "ex ample.org", " example.org", "example.org ",
                          "exämple.org", "example/org", "oai:example.org"}) {
    EXPECT_FALSE(is_valid_repository_identifier(bad)) << bad;
  }
}

TEST(LocalIdentifier, AcceptsReservedAndUnreservedCharacters_OI2) {
  for (const char* good : {"a", "123", "ab:cd", "hep-th/9901001", "a;b/c?d:e@f&g=h+i$j,k",
                           "-_.!~*'()", "AZaz09", "x:y:z", "::", "@"}) {
    EXPECT_TRUE(is_valid_local_identifier(good)) << good;
  }
}

TEST(LocalIdentifier, AcceptsUpperCaseEscapes_OI2) {
  for (const char* good :
       {"ab%3Ccd", "%20", "%3C", "a%2Fb", "%00", "%FF", "%C3%A9t%C3%A9", "%25"}) {
    EXPECT_TRUE(is_valid_local_identifier(good)) << good;
  }
}

TEST(LocalIdentifier, RejectsLowerCaseEscapes_OI2) {
  for (const char* bad : {"ab%3ccd", "%3c", "%ff", "%fF", "%Ff", "%c3%a9"}) {
    EXPECT_FALSE(is_valid_local_identifier(bad)) << bad;
  }
}

TEST(LocalIdentifier, RejectsBrokenEscapes_OI2) {
  for (const char* bad : {"%", "a%", "%2", "a%2", "%G0", "%2G", "%%20", "%-1", "% 20"}) {
    EXPECT_FALSE(is_valid_local_identifier(bad)) << bad;
  }
}

TEST(LocalIdentifier, RejectsRawCharactersThatMustBeEscaped_OI2) {
  for (const char* bad : {"a b", " ", "a#b", "a<b", "a>b", "a\"b", "a{b", "a}b", "a|b", "a\\b",
                          "a^b", "a[b", "a]b", "a`b", "a\tb", "a\nb", "caf\xC3\xA9", "\x7F"}) {
    EXPECT_FALSE(is_valid_local_identifier(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_local_identifier("a\0b"sv));
}

TEST(LocalIdentifier, RejectsEmpty_OI2) { EXPECT_FALSE(is_valid_local_identifier("")); }

TEST(OaiIdentifier, AcceptsWellFormed_OI1) {
  for (const char* good :
       {"oai:an.oai.org:ab%3Ccd", "oai:arXiv.org:hep-th/9901001", "oai:example.org:a",
        "oai:example.org:a:b:c", "oai:a.b:1", "oai:lcoa1.loc.gov:loc.music/musdi.002"}) {
    EXPECT_TRUE(is_valid_oai_identifier(good)) << good;
  }
}

TEST(OaiIdentifier, RejectsBadScheme_OI1) {
  for (const char* bad :
       {"example.org:a", "oai.example.org:a", "oai:", "oai", "OAI:example.org:a",
        "Oai:example.org:a", " oai:example.org:a", "urn:example.org:a", "oai::example.org:a"}) {
    EXPECT_FALSE(is_valid_oai_identifier(bad)) << bad;
  }
}

TEST(OaiIdentifier, RejectsBadNamespace_OI1) {
  for (const char* bad : {"oai:localhost:a", "oai:1a.org:a", "oai:a..org:a", "oai:.org:a",
                          "oai:exa mple.org:a", "oai:example.org"}) {
    EXPECT_FALSE(is_valid_oai_identifier(bad)) << bad;
  }
}

TEST(OaiIdentifier, RejectsBadLocalIdentifier_OI2) {
  for (const char* bad : {"oai:example.org:", "oai:example.org:ab%3ccd", "oai:example.org:a b",
                          "oai:example.org:a#b", "oai:example.org:a<b", "oai:example.org:a%",
                          "oai:example.org:a ", "oai:example.org:caf\xC3\xA9"}) {
    EXPECT_FALSE(is_valid_oai_identifier(bad)) << bad;
  }
}

TEST(OaiIdentifier, IsCaseSensitive_OI3) {
  // The namespace may use capitals, but the scheme is exactly `oai`.
  EXPECT_TRUE(is_valid_oai_identifier("oai:Example.ORG:Ab"));
  EXPECT_FALSE(is_valid_oai_identifier("OAI:example.org:ab"));
  EXPECT_FALSE(is_valid_oai_identifier("oai:example.org:ab%3c"));
}

TEST(EscapeLocalIdentifier, LeavesAllowedCharactersAlone_OI2) {
  const std::string all = "AZaz09-_.!~*'();/?:@&=+$,";
  EXPECT_EQ(escape_local_identifier(all), all);
  EXPECT_EQ(escape_local_identifier("hep-th/9901001"), "hep-th/9901001");
}

TEST(EscapeLocalIdentifier, EscapesSpaceAndDelimiters_OI2) {
  EXPECT_EQ(escape_local_identifier("a b"), "a%20b");
  EXPECT_EQ(escape_local_identifier("ab<cd"), "ab%3Ccd");
  EXPECT_EQ(escape_local_identifier("a#b"), "a%23b");
  EXPECT_EQ(escape_local_identifier("\"<>\\^`{|}[]"), "%22%3C%3E%5C%5E%60%7B%7C%7D%5B%5D");
  EXPECT_EQ(escape_local_identifier("\t\n\r"), "%09%0A%0D");
  EXPECT_EQ(escape_local_identifier("\x7F"), "%7F");
  EXPECT_EQ(escape_local_identifier("a\0b"sv), "a%00b");
}

TEST(EscapeLocalIdentifier, EscapesUtf8BytesUpperCase_OI2) {
  EXPECT_EQ(escape_local_identifier("caf\xC3\xA9"), "caf%C3%A9");
  EXPECT_EQ(escape_local_identifier("\xE6\x97\xA5"), "%E6%97%A5");         // 日
  EXPECT_EQ(escape_local_identifier("\xF0\x9F\x98\x80"), "%F0%9F%98%80");  // U+1F600
  EXPECT_EQ(escape_local_identifier("\xFF\xFE"), "%FF%FE");                // not UTF-8 at all
}

TEST(EscapeLocalIdentifier, EscapesStrayPercent_OI2) {
  EXPECT_EQ(escape_local_identifier("%"), "%25");
  EXPECT_EQ(escape_local_identifier("100%"), "100%25");
  EXPECT_EQ(escape_local_identifier("%2"), "%252");
  EXPECT_EQ(escape_local_identifier("%3c"), "%253c");
  EXPECT_EQ(escape_local_identifier("%G1"), "%25G1");
  EXPECT_EQ(escape_local_identifier("%%41"), "%25%2541");
}

// Escaping every `%` keeps the mapping one-to-one: "a b" and "a%20b" differ.
TEST(EscapeLocalIdentifier, EscapesEveryPercent_OI2) {
  EXPECT_EQ(escape_local_identifier("ab%3Ccd"), "ab%253Ccd");
  EXPECT_EQ(escape_local_identifier("%20"), "%2520");
  EXPECT_NE(escape_local_identifier("a b"), escape_local_identifier("a%20b"));
}

TEST(UnescapeLocalIdentifier, UndoesEscape_OI2) {
  for (std::string_view input : {"a b"sv, "a%20b"sv, "%"sv, "oai:arXiv.org:hep-th/9901001"sv,
                                 "caf\xC3\xA9"sv, "\0x"sv, "#<>%%"sv}) {
    EXPECT_EQ(unescape_local_identifier(escape_local_identifier(input)), std::string(input));
  }
}

TEST(UnescapeLocalIdentifier, RefusesInvalidLocalIdentifiers_OI2) {
  EXPECT_EQ(unescape_local_identifier("a b"), std::nullopt);
  EXPECT_EQ(unescape_local_identifier("%3c"), std::nullopt);
  EXPECT_EQ(unescape_local_identifier("%4"), std::nullopt);
  EXPECT_EQ(unescape_local_identifier("#"), std::nullopt);
  EXPECT_EQ(unescape_local_identifier("ok%3Cok"), "ok<ok");
}

TEST(EscapeLocalIdentifier, EmptyStaysEmpty_OI2) { EXPECT_EQ(escape_local_identifier(""), ""); }

TEST(EscapeLocalIdentifier, ResultIsAlwaysValid_OI2) {
  for (std::string_view input : {"a b"sv, "%"sv, "%3c"sv, "a%"sv, "a%2"sv, "#<>"sv, " "sv,
                                 "\xC3\xA9"sv, "\0"sv, "%%%"sv, "x%4"sv}) {
    EXPECT_TRUE(is_valid_local_identifier(escape_local_identifier(input))) << input;
  }
  // Every single byte, and every byte after a `%` and before a valid digit.
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    EXPECT_TRUE(is_valid_local_identifier(escape_local_identifier(one))) << b;
    const std::string after_percent = "%" + one + "A";
    EXPECT_TRUE(is_valid_local_identifier(escape_local_identifier(after_percent))) << b;
  }
}

// Not idempotent on purpose: escaping an escaped text escapes its `%` again,
// which is what keeps the mapping one-to-one.
TEST(EscapeLocalIdentifier, EscapingTwiceNeedsUnescapingTwice_OI2) {
  for (const char* text : {"a b#c", "caf\xC3\xA9", "%", "ab%3ccd"}) {
    const std::string twice = escape_local_identifier(escape_local_identifier(text));
    EXPECT_EQ(unescape_local_identifier(*unescape_local_identifier(twice)), std::string(text));
  }
}

TEST(MetadataPrefix, AcceptsUnreservedCharacters_G4) {
  for (const char* good : {"oai_dc", "marc21", "mods-3.7", "A-Z_a.z!~*'()", "x", "0"}) {
    EXPECT_TRUE(is_valid_metadata_prefix(good)) << good;
  }
}

TEST(MetadataPrefix, RejectsReservedAndOtherCharacters_G4) {
  for (const char* bad :
       {"", "oai dc", "oai:dc", "oai/dc", "oai%20dc", "a;b", "a?b", "a@b", "a&b", "a=b", "a+b",
        "a$b", "a,b", "a#b", "a<b", " oai_dc", "oai_dc ", "d\xC3\xA9"}) {
    EXPECT_FALSE(is_valid_metadata_prefix(bad)) << bad;
  }
}

}  // namespace
}  // namespace oai
