#include "oai/protocol.h"

#include <gtest/gtest.h>

namespace oai {
namespace {

TEST(Verb, NamesAreTheProtocolNames_V) {
  EXPECT_EQ(to_string(Verb::kGetRecord), "GetRecord");
  EXPECT_EQ(to_string(Verb::kIdentify), "Identify");
  EXPECT_EQ(to_string(Verb::kListIdentifiers), "ListIdentifiers");
  EXPECT_EQ(to_string(Verb::kListMetadataFormats), "ListMetadataFormats");
  EXPECT_EQ(to_string(Verb::kListRecords), "ListRecords");
  EXPECT_EQ(to_string(Verb::kListSets), "ListSets");
}

TEST(Verb, ParsesOnlyExactNames_H4) {
  for (Verb verb : {Verb::kGetRecord, Verb::kIdentify, Verb::kListIdentifiers,
                    Verb::kListMetadataFormats, Verb::kListRecords, Verb::kListSets}) {
    EXPECT_EQ(parse_verb(to_string(verb)), verb);
  }
  for (const char* bad : {"", "identify", "IDENTIFY", "ListRecords ", " ListRecords", "List"}) {
    EXPECT_EQ(parse_verb(bad), std::nullopt) << bad;
  }
}

TEST(ErrorCode, NamesAreTheProtocolCodes_E1_E8) {
  EXPECT_EQ(to_string(ErrorCode::kBadArgument), "badArgument");
  EXPECT_EQ(to_string(ErrorCode::kBadResumptionToken), "badResumptionToken");
  EXPECT_EQ(to_string(ErrorCode::kBadVerb), "badVerb");
  EXPECT_EQ(to_string(ErrorCode::kCannotDisseminateFormat), "cannotDisseminateFormat");
  EXPECT_EQ(to_string(ErrorCode::kIdDoesNotExist), "idDoesNotExist");
  EXPECT_EQ(to_string(ErrorCode::kNoRecordsMatch), "noRecordsMatch");
  EXPECT_EQ(to_string(ErrorCode::kNoMetadataFormats), "noMetadataFormats");
  EXPECT_EQ(to_string(ErrorCode::kNoSetHierarchy), "noSetHierarchy");
}

TEST(OaiError, KeepsACodeAsReceivedAndComparesWithOurs) {
  const OaiError ours(ErrorCode::kNoRecordsMatch, "nothing");
  EXPECT_EQ(ours.code, "noRecordsMatch");
  EXPECT_TRUE(ours.is(ErrorCode::kNoRecordsMatch));
  EXPECT_FALSE(ours.is(ErrorCode::kBadVerb));
  const OaiError theirs("NoRecordsMatch", "");  // a repository's wrong case stays as sent
  EXPECT_FALSE(theirs.is(ErrorCode::kNoRecordsMatch));
  EXPECT_EQ(OaiError(ErrorCode::kBadVerb, "x"), OaiError("badVerb", "x"));
}

}  // namespace
}  // namespace oai
