#include "provider/request.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace provider {
namespace {

using namespace std::string_view_literals;
using oai::OaiError;
using oai::Verb;

RawArguments parsed(std::string_view text) {
  const std::optional<RawArguments> arguments = parse_form(text);
  EXPECT_TRUE(arguments.has_value()) << text;
  return arguments.value_or(RawArguments{});
}

// The request a query string validates to; fails the test if it has errors.
OaiRequest accepted(std::string_view query) {
  auto result = validate_arguments(parsed(query));
  if (const auto* errors = std::get_if<std::vector<OaiError>>(&result)) {
    ADD_FAILURE() << query << " gave " << errors->size()
                  << " error(s), the first: " << errors->front().code << ": "
                  << errors->front().message;
    return OaiRequest{Verb::kIdentify, {}, {}, {}, {}, {}, {}};
  }
  return std::get<OaiRequest>(result);
}

std::vector<OaiError> rejected(const RawArguments& arguments) {
  auto result = validate_arguments(arguments);
  if (std::holds_alternative<OaiRequest>(result)) {
    ADD_FAILURE() << "accepted a request that should have errors";
    return {};
  }
  return std::get<std::vector<OaiError>>(result);
}

// The errors a query string gives; fails the test if it is accepted.
std::vector<OaiError> rejected(std::string_view query) {
  SCOPED_TRACE(query);
  return rejected(parsed(query));
}

// The message of the first error a query string gives, or "" if none.
std::string first_message(std::string_view query) {
  const std::vector<OaiError> errors = rejected(query);
  return errors.empty() ? std::string() : errors.front().message;
}

// The number of badArgument errors, after checking that every error is one.
std::size_t bad_arguments(std::string_view query) {
  const std::vector<OaiError> errors = rejected(query);
  for (const OaiError& error : errors) EXPECT_EQ(error.code, "badArgument") << query;
  return errors.size();
}

void expect_single_bad_verb(std::string_view query) {
  const std::vector<OaiError> errors = rejected(query);
  ASSERT_EQ(errors.size(), 1U) << query;
  EXPECT_EQ(errors[0].code, "badVerb") << query;
}

// ---------------------------------------------------------------- parse_form

TEST(ParseForm, EmptyTextGivesNoPairs_H3) { EXPECT_EQ(parse_form(""), RawArguments{}); }

TEST(ParseForm, KeepsOrderAndRepeatedKeys_H3) {
  const RawArguments expected = {{"verb", "ListRecords"}, {"set", "a"}, {"set", "a"}};
  EXPECT_EQ(parse_form("verb=ListRecords&set=a&set=a"), expected);
}

TEST(ParseForm, SkipsEmptySegments_H3) {
  const RawArguments expected = {{"a", "1"}, {"b", "2"}};
  EXPECT_EQ(parse_form("a=1&&b=2"), expected);
  EXPECT_EQ(parse_form("&a=1&b=2&"), expected);
  EXPECT_EQ(parse_form("&&&"), RawArguments{});
}

TEST(ParseForm, PairWithoutEqualsIsKeyWithEmptyValue_H3) {
  const RawArguments expected = {{"verb", "ListSets"}, {"resumptionToken", ""}, {"a", ""}};
  EXPECT_EQ(parse_form("verb=ListSets&resumptionToken&a="), expected);
  EXPECT_EQ(parse_form("=x"), (RawArguments{{"", "x"}}));
}

TEST(ParseForm, OnlyTheFirstEqualsSeparates_H3) {
  EXPECT_EQ(parse_form("a=b=c"), (RawArguments{{"a", "b=c"}}));
}

TEST(ParseForm, PlusIsSpaceAndPercent2BIsPlus_H3) {
  EXPECT_EQ(parse_form("set=a+b&x=a%2Bb&y=%20"),
            (RawArguments{{"set", "a b"}, {"x", "a+b"}, {"y", " "}}));
}

TEST(ParseForm, DecodesReservedCharactersInKeysAndValues_H3) {
  EXPECT_EQ(parse_form("a%3Db=c%26d%2F%3F%23%3A%3B%25"), (RawArguments{{"a=b", "c&d/?#:;%"}}));
}

TEST(ParseForm, AcceptsHexDigitsOfEitherCase_H3) {
  EXPECT_EQ(parse_form("a=%2f%2F%3c%3C%c3%A9"), (RawArguments{{"a", "//<<\xC3\xA9"}}));
}

TEST(ParseForm, DecodesExactlyOnce_OI4) {
  // An oai-identifier holding %3C is sent encoded once more (OIG §2.5).
  EXPECT_EQ(parse_form("identifier=oai%3Aan.oai.org%3Aab%253Ccd"),
            (RawArguments{{"identifier", "oai:an.oai.org:ab%3Ccd"}}));
  EXPECT_EQ(parse_form("a=%2525"), (RawArguments{{"a", "%25"}}));
}

TEST(ParseForm, RejectsPercentWithoutTwoHexDigits_H3) {
  for (const char* bad : {"a=%", "a=%2", "a=%G1", "a=%1G", "a=%%", "a=%%41", "%=1", "a=%-1",
                          "a=% 1", "a=%+1", "a=1&b=%2", "%zz=1", "a=%0x"}) {
    EXPECT_EQ(parse_form(bad), std::nullopt) << bad;
  }
}

TEST(ParseForm, DecodesUtf8_H3) {
  EXPECT_EQ(parse_form("a=%C3%A9"), (RawArguments{{"a", "\xC3\xA9"}}));
  EXPECT_EQ(parse_form("a=\xC3\xA9"), (RawArguments{{"a", "\xC3\xA9"}}));  // sent raw
  // The extremes of each sequence length, and NUL, are well-formed.
  for (const char* good : {"a=%00", "a=%7F", "a=%C2%80", "a=%DF%BF", "a=%E0%A0%80", "a=%ED%9F%BF",
                           "a=%EE%80%80", "a=%EF%BF%BF", "a=%F0%90%80%80", "a=%F4%8F%BF%BF"}) {
    EXPECT_NE(parse_form(good), std::nullopt) << good;
  }
}

TEST(ParseForm, RejectsInvalidUtf8_H3) {
  for (const char* bad : {
           "a=%FF",          "a=%80",
           "a=%BF",          "a=%C3",
           "a=%C3%41",       "a=%E2%82",
           "a=%F0%9F%98",
           "a=%C0%AF",        // overlong '/'
           "a=%C1%BF",        // overlong
           "a=%E0%9F%BF",     // overlong three-byte form
           "a=%F0%8F%BF%BF",  // overlong four-byte form
           "a=%ED%A0%80",     // encoded surrogate U+D800
           "a=%ED%BF%BF",     // encoded surrogate U+DFFF
           "a=%F4%90%80%80",  // above U+10FFFF
           "a=%F5%80%80%80", "a=%F8%88%80%80%80",
           "%FF=1",          "a=\xFF",
           "a=\xC3",
       }) {
    EXPECT_EQ(parse_form(bad), std::nullopt) << bad;
  }
}

TEST(Arguments, MissingVerbIsBadVerb_H4) {
  expect_single_bad_verb("");
  expect_single_bad_verb("metadataPrefix=oai_dc");
  expect_single_bad_verb("Verb=Identify");  // keys are case-sensitive too
}

TEST(Arguments, RepeatedVerbIsBadVerb_H4) {
  expect_single_bad_verb("verb=Identify&verb=Identify");
  expect_single_bad_verb("verb=Identify&verb=ListSets");
  EXPECT_EQ(first_message("verb=Identify&verb=Identify"), "argument 'verb' is repeated");
}

TEST(Arguments, UnknownOrWrongCaseVerbIsBadVerb_H4) {
  for (const char* query :
       {"verb=identify", "verb=IDENTIFY", "verb=ListRecords%20", "verb=ListRecords+",
        "verb=+ListRecords", "verb=", "verb", "verb=GetRecords", "verb=ListAll",
        "verb=ListRecords%00", "verb=%C3%A9"}) {
    expect_single_bad_verb(query);
  }
}

TEST(Arguments, BadVerbSuppressesEveryOtherCheck_E11) {
  expect_single_bad_verb("verb=Nope&set=a&set=b&from=2024-02-30&foo=1");
  expect_single_bad_verb("set=a&set=b&from=2024-02-30");
  expect_single_bad_verb("verb=ListRecords&verb=ListRecords&metadataPrefix=a%20b");
}

TEST(Arguments, ArgumentsMayComeInAnyOrder_H3) {
  const OaiRequest request = accepted("metadataPrefix=oai_dc&set=a&verb=ListRecords");
  EXPECT_EQ(request.verb, Verb::kListRecords);
  EXPECT_EQ(request.metadata_prefix, "oai_dc");
  EXPECT_EQ(request.set, "a");
}

// ---------------------------------------------------------------- per verb

TEST(Identify, TakesNoArguments_V_ID_1) {
  const OaiRequest request = accepted("verb=Identify");
  EXPECT_EQ(request, (OaiRequest{Verb::kIdentify, {}, {}, {}, {}, {}, {}}));
  for (const char* query :
       {"verb=Identify&identifier=oai:a.b:c", "verb=Identify&metadataPrefix=x",
        "verb=Identify&resumptionToken=x", "verb=Identify&foo=bar", "verb=Identify&foo"}) {
    EXPECT_EQ(bad_arguments(query), 1U) << query;
  }
}

TEST(GetRecord, NeedsIdentifierAndMetadataPrefix_V_GR_1) {
  const OaiRequest request = accepted("verb=GetRecord&identifier=oai:a.b:c&metadataPrefix=oai_dc");
  EXPECT_EQ(request.verb, Verb::kGetRecord);
  EXPECT_EQ(request.identifier, "oai:a.b:c");
  EXPECT_EQ(request.metadata_prefix, "oai_dc");
  EXPECT_EQ(bad_arguments("verb=GetRecord&metadataPrefix=oai_dc"), 1U);
  EXPECT_EQ(bad_arguments("verb=GetRecord&identifier=oai:a.b:c"), 1U);
  EXPECT_EQ(bad_arguments("verb=GetRecord"), 2U);  // both missing, both reported (E-10)
  EXPECT_EQ(first_message("verb=GetRecord&identifier=x"),
            "required argument 'metadataPrefix' is missing");
}

TEST(GetRecord, ExtraOrRepeatedArgumentsAreBadArgument_V_GR_2) {
  const std::string base = "verb=GetRecord&identifier=oai:a.b:c&metadataPrefix=oai_dc";
  for (const char* extra : {"&from=2024-01-01", "&set=a", "&resumptionToken=x", "&until=2024-01-01",
                            "&foo=1", "&identifier=oai:a.b:c", "&metadataPrefix=oai_dc"}) {
    EXPECT_EQ(bad_arguments(base + extra), 1U) << extra;
  }
}

TEST(GetRecord, IdentifierSyntaxIsNotCheckedHere_E5) {
  // An illegal identifier is idDoesNotExist, decided against the repository.
  const OaiRequest request =
      accepted("verb=GetRecord&identifier=not+an+identifier%3C&metadataPrefix=oai_dc");
  EXPECT_EQ(request.identifier, "not an identifier<");
}

TEST(ListMetadataFormats, IdentifierIsOptional_V_LMF_1) {
  EXPECT_EQ(accepted("verb=ListMetadataFormats").identifier, std::nullopt);
  EXPECT_EQ(accepted("verb=ListMetadataFormats&identifier=oai:a.b:c").identifier, "oai:a.b:c");
}

TEST(ListMetadataFormats, OtherArgumentsIncludingTokenAreBadArgument_V_LMF_1) {
  for (const char* query : {"verb=ListMetadataFormats&resumptionToken=x",
                            "verb=ListMetadataFormats&metadataPrefix=oai_dc",
                            "verb=ListMetadataFormats&identifier=a&identifier=a"}) {
    EXPECT_EQ(bad_arguments(query), 1U) << query;
  }
}

TEST(ListSets, OnlyResumptionTokenIsAllowed_V_LS_1) {
  EXPECT_EQ(accepted("verb=ListSets").resumption_token, std::nullopt);
  EXPECT_EQ(accepted("verb=ListSets&resumptionToken=1.abc.def").resumption_token, "1.abc.def");
  for (const char* query : {"verb=ListSets&set=a", "verb=ListSets&metadataPrefix=oai_dc",
                            "verb=ListSets&from=2024-01-01", "verb=ListSets&identifier=x"}) {
    EXPECT_EQ(bad_arguments(query), 1U) << query;
  }
}

TEST(ListRecords, NeedsMetadataPrefixWithoutToken_V_LR_1) {
  for (const char* verb : {"ListRecords", "ListIdentifiers"}) {
    const std::string v = std::string("verb=") + verb;
    const OaiRequest request = accepted(v + "&metadataPrefix=oai_dc");
    EXPECT_EQ(request.metadata_prefix, "oai_dc");
    EXPECT_EQ(request.from, std::nullopt);
    EXPECT_EQ(bad_arguments(v), 1U) << verb;
    EXPECT_EQ(bad_arguments(v + "&set=a&from=2024-01-01"), 1U) << verb;
  }
}

TEST(ListRecords, AcceptsAllOptionalArguments_V_LR_1) {
  for (const char* verb : {"ListRecords", "ListIdentifiers"}) {
    const OaiRequest request =
        accepted(std::string("verb=") + verb +
                 "&metadataPrefix=oai_dc&from=2024-01-01&until=2024-12-31&set=math:algebra");
    EXPECT_EQ(request, (OaiRequest{*oai::parse_verb(verb), std::nullopt, "oai_dc", "2024-01-01",
                                   "2024-12-31", "math:algebra", std::nullopt}));
  }
}

TEST(ListRecords, ResumptionTokenAloneIsEnough_V_LR_1) {
  for (const char* verb : {"ListRecords", "ListIdentifiers"}) {
    const OaiRequest request = accepted(std::string("verb=") + verb + "&resumptionToken=tok");
    EXPECT_EQ(request.resumption_token, "tok");
    EXPECT_EQ(request.metadata_prefix, std::nullopt);
  }
}

TEST(ListRecords, TokenWithAnyOtherArgumentIsBadArgument_R4) {
  for (const char* verb : {"ListRecords", "ListIdentifiers"}) {
    const std::string base = std::string("verb=") + verb + "&resumptionToken=tok";
    for (const char* extra :
         {"&metadataPrefix=oai_dc", "&from=2024-01-01", "&until=2024-01-01", "&set=a"}) {
      const std::vector<OaiError> errors = rejected(base + extra);
      ASSERT_EQ(errors.size(), 1U) << extra;
      EXPECT_EQ(errors[0].code, "badArgument");  // not badResumptionToken
    }
  }
  // One exclusivity error names every companion.
  EXPECT_EQ(first_message("verb=ListRecords&resumptionToken=t&metadataPrefix=oai_dc&set=a"),
            "resumptionToken must be the only argument besides verb, but came with "
            "'metadataPrefix', 'set'");
}

TEST(ListRecords, UnknownArgumentIsBadArgument_H5) {
  EXPECT_EQ(bad_arguments("verb=ListRecords&metadataPrefix=oai_dc&identifier=x"), 1U);
  EXPECT_EQ(first_message("verb=ListRecords&metadataPrefix=oai_dc&foo=1"),
            "argument 'foo' is not allowed for verb ListRecords");
  // Argument names are case-sensitive: metadataprefix is unknown, and
  // metadataPrefix is then missing.
  EXPECT_EQ(bad_arguments("verb=ListRecords&metadataprefix=oai_dc"), 2U);
}

// ---------------------------------------------------------------- repeated, empty

TEST(Arguments, RepeatedArgumentIsBadArgument_H5) {
  EXPECT_EQ(bad_arguments("verb=ListRecords&metadataPrefix=oai_dc&set=a&set=b"), 1U);
  EXPECT_EQ(bad_arguments("verb=ListRecords&metadataPrefix=oai_dc&set=a&set=a"), 1U);
  EXPECT_EQ(first_message("verb=ListRecords&metadataPrefix=oai_dc&set=a&set=a"),
            "argument 'set' is repeated");
  // Three times is still one problem, and so is a repeated unknown argument.
  EXPECT_EQ(bad_arguments("verb=ListRecords&metadataPrefix=oai_dc&set=a&set=a&set=a"), 1U);
  EXPECT_EQ(bad_arguments("verb=ListRecords&metadataPrefix=oai_dc&foo=1&foo=1"), 1U);
  EXPECT_EQ(bad_arguments("verb=ListSets&resumptionToken=x&resumptionToken=x"), 1U);
}

TEST(Arguments, EmptyValueIsBadArgument_H5) {
  for (const char* query :
       {"verb=GetRecord&identifier=&metadataPrefix=oai_dc",
        "verb=GetRecord&identifier=x&metadataPrefix=",
        "verb=ListRecords&metadataPrefix=oai_dc&set=",
        "verb=ListRecords&metadataPrefix=oai_dc&from=",
        "verb=ListRecords&metadataPrefix=oai_dc&until",
        "verb=ListSets&resumptionToken=", "verb=ListMetadataFormats&identifier"}) {
    EXPECT_EQ(bad_arguments(query), 1U) << query;
  }
  EXPECT_EQ(first_message("verb=ListSets&resumptionToken="), "argument 'resumptionToken' is empty");
}

TEST(Arguments, EveryProblemIsReportedInArgumentOrder_E10) {
  const std::vector<OaiError> errors =
      rejected("verb=ListRecords&foo=1&set=a&set=b&from=2024-02-30&until=&metadataPrefix=a%20b");
  ASSERT_EQ(errors.size(), 5U);
  for (const OaiError& error : errors) EXPECT_EQ(error.code, "badArgument");
  EXPECT_EQ(errors[0].message, "argument 'foo' is not allowed for verb ListRecords");
  EXPECT_EQ(errors[1].message, "argument 'set' is repeated");
  EXPECT_EQ(errors[2].message,
            "from '2024-02-30' is not a valid date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)");
  EXPECT_EQ(errors[3].message, "argument 'until' is empty");
  EXPECT_NE(errors[4].message.find("'a b' is not a valid metadataPrefix"), std::string::npos);
  // Missing arguments come after the per-argument problems.
  EXPECT_EQ(bad_arguments("verb=GetRecord&foo=1"), 3U);
}

TEST(Arguments, LongValuesAreCutInMessagesAtCharacterBoundaries_H5) {
  std::string value = "a";
  for (int i = 0; i < 500; ++i) value += "\xC3\xA9";  // 'é', two bytes each
  const std::vector<OaiError> errors = rejected(RawArguments{{"verb", "ListSets"}, {value, "1"}});
  ASSERT_EQ(errors.size(), 1U);
  const std::string& message = errors[0].message;
  EXPECT_LT(message.size(), 150U);
  const std::size_t open = message.find('\'');
  const std::size_t dots = message.find("...'");
  ASSERT_NE(dots, std::string::npos);
  EXPECT_EQ((dots - open - 1) % 2, 1U) << "cut inside a character";
}

// ---------------------------------------------------------------- dates

TEST(Dates, AcceptsBothFormsAtSecondsGranularity_D2_D3) {
  EXPECT_EQ(accepted("verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01").from, "2024-01-01");
  EXPECT_EQ(accepted("verb=ListRecords&metadataPrefix=oai_dc&until=2024-01-01T10:00:00Z").until,
            "2024-01-01T10:00:00Z");
  const OaiRequest request = accepted(
      "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2024-01-01T00:00:00Z"
      "&until=2024-02-29T23:59:59Z");
  EXPECT_EQ(request.from, "2024-01-01T00:00:00Z");
  EXPECT_EQ(request.until, "2024-02-29T23:59:59Z");
}

TEST(Dates, MalformedOrImpossibleDateIsBadArgument_D7) {
  for (const char* date :
       {"2024-02-30", "2023-02-29", "2024-1-1", "2024-01-01T10:00Z", "2024-01-01T10:00:00",
        "2024-01-01T10:00:00%2B01:00", "2024-01-01T10:00:00-01:00", "2024-01-01T10:00:00.5Z",
        "2024-01", "2024", "2024-13-01", "2024-01-01T24:00:00Z", "2024-01-01t10:00:00z",
        "+2024-01-01", "2024-01-01Z", "20240101", "2024-01-01+", "today"}) {
    for (const char* argument : {"from", "until"}) {
      const std::string query =
          std::string("verb=ListRecords&metadataPrefix=oai_dc&") + argument + "=" + date;
      EXPECT_EQ(bad_arguments(query), 1U) << query;
    }
  }
  EXPECT_EQ(first_message("verb=ListRecords&metadataPrefix=oai_dc&until=2024-02-30"),
            "until '2024-02-30' is not a valid date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)");
}

TEST(Dates, MixedGranularitiesAreBadArgument_D5) {
  const std::string base = "verb=ListRecords&metadataPrefix=oai_dc";
  EXPECT_EQ(bad_arguments(base + "&from=2024-01-01&until=2024-01-02T00:00:00Z"), 1U);
  EXPECT_EQ(bad_arguments(base + "&from=2024-01-01T00:00:00Z&until=2024-01-02"), 1U);
  EXPECT_EQ(first_message(base + "&from=2024-01-01&until=2024-01-02T00:00:00Z"),
            "from '2024-01-01' and until '2024-01-02T00:00:00Z' have different granularities");
}

TEST(Dates, FromLaterThanUntilIsBadArgument_D6) {
  const std::string base = "verb=ListIdentifiers&metadataPrefix=oai_dc";
  EXPECT_EQ(bad_arguments(base + "&from=2024-01-02&until=2024-01-01"), 1U);
  EXPECT_EQ(bad_arguments(base + "&from=2024-01-01T00:00:01Z&until=2024-01-01T00:00:00Z"), 1U);
  EXPECT_EQ(first_message(base + "&from=2024-01-02&until=2024-01-01"),
            "from '2024-01-02' is later than until '2024-01-01'");
}

TEST(Dates, FromEqualToUntilIsLegal_D6) {
  const std::string base = "verb=ListRecords&metadataPrefix=oai_dc";
  EXPECT_EQ(accepted(base + "&from=2024-01-01&until=2024-01-01").until, "2024-01-01");
  EXPECT_EQ(accepted(base + "&from=2024-01-01T10:00:00Z&until=2024-01-01T10:00:00Z").from,
            "2024-01-01T10:00:00Z");
}

TEST(Dates, RangeIsNotCheckedWhenABoundIsInvalid_D7) {
  // Only the syntax error: comparing against an invalid bound means nothing.
  EXPECT_EQ(bad_arguments("verb=ListRecords&metadataPrefix=oai_dc&from=2024-12-31&until=2024-1-1"),
            1U);
  EXPECT_EQ(bad_arguments("verb=ListRecords&metadataPrefix=oai_dc&from=2024-12-31&from=2024-12-31"
                          "&until=2024-01-01T00:00:00Z"),
            1U);
}

// ---------------------------------------------------------------- prefix, set

TEST(MetadataPrefix, AcceptsUnreservedCharacters_G4) {
  for (const char* prefix : {"oai_dc", "marc21", "x", "A-Z_a.z!~*'()", "oai_dc.v2"}) {
    const OaiRequest request = accepted(std::string("verb=ListRecords&metadataPrefix=") + prefix);
    EXPECT_EQ(request.metadata_prefix, prefix);
  }
}

TEST(MetadataPrefix, RejectsOtherCharacters_G4) {
  for (std::string_view prefix : {"oai dc"sv, "oai:dc"sv, "oai/dc"sv, "oai%dc"sv, "\xC3\xA9"sv,
                                  "oai\0dc"sv, "oai+dc"sv, "oai,dc"sv, "oai@dc"sv}) {
    const std::vector<OaiError> errors = rejected(RawArguments{
        {"verb", "GetRecord"}, {"identifier", "x"}, {"metadataPrefix", std::string(prefix)}});
    ASSERT_EQ(errors.size(), 1U) << prefix;
    EXPECT_EQ(errors[0].code, "badArgument");
  }
}

TEST(Set, AcceptsValidSetSpecs_S2) {
  for (const char* set : {"a", "math:algebra", "physics:hep-th", "a:b:c", "(a):~b"}) {
    EXPECT_EQ(accepted(std::string("verb=ListRecords&metadataPrefix=oai_dc&set=") + set).set, set);
  }
}

TEST(Set, RejectsInvalidSetSpecs_S2) {
  for (const char* set : {"a::b", ":a", "a:", ":", "a b", "a/b", "a%2Fb", "a%26b", "a%C3%A9"}) {
    const std::string query = std::string("verb=ListIdentifiers&metadataPrefix=oai_dc&set=") + set;
    EXPECT_EQ(bad_arguments(query), 1U) << query;
  }
}

}  // namespace
}  // namespace provider
