#include "oai/set_spec.h"

#include <gtest/gtest.h>

namespace oai {
namespace {

using namespace std::string_view_literals;

TEST(SetSpec, AcceptsFlatAndHierarchicalSpecs_S2) {
  for (const char* good : {"a", "math", "math:algebra", "a:b:c", "A-Z_a.z!~*'()", "0", "x:0:y",
                           "physics:hep-th", "(a):(b)"}) {
    EXPECT_TRUE(is_valid_set_spec(good)) << good;
  }
}

TEST(SetSpec, RejectsEmptyParts_S2) {
  for (const char* bad : {"", ":", "::", "a::b", ":a", "a:", "a:b:", ":a:b"}) {
    EXPECT_FALSE(is_valid_set_spec(bad)) << bad;
  }
}

TEST(SetSpec, RejectsCharactersOutsideTheAlphabet_S2) {
  for (const char* bad : {"a b", " a", "a ", "a/b", "a;b", "a?b", "a@b", "a&b", "a=b", "a+b", "a$b",
                          "a,b", "a#b", "a%20b", "a<b", "a\tb", "a\nb", "\xC3\xA9t\xC3\xA9"}) {
    EXPECT_FALSE(is_valid_set_spec(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_set_spec("a\0b"sv));
}

TEST(SetSpec, CoversItself_S3) {
  EXPECT_TRUE(set_covers("a", "a"));
  EXPECT_TRUE(set_covers("a:b", "a:b"));
}

TEST(SetSpec, CoversDescendants_S3) {
  EXPECT_TRUE(set_covers("a", "a:b"));
  EXPECT_TRUE(set_covers("a", "a:b:c"));
  EXPECT_TRUE(set_covers("a:b", "a:b:c"));
  EXPECT_TRUE(set_covers("math", "math:algebra:linear"));
}

TEST(SetSpec, ParentCoversChildNotPrefix_S3) {
  EXPECT_FALSE(set_covers("a", "ab"));
  EXPECT_FALSE(set_covers("a", "ab:c"));
  EXPECT_FALSE(set_covers("a:b", "a:bc"));
  EXPECT_FALSE(set_covers("a:b", "a:bc:d"));
  EXPECT_FALSE(set_covers("math", "mathematics"));
}

TEST(SetSpec, DoesNotCoverAncestorsOrOtherBranches_S3) {
  EXPECT_FALSE(set_covers("a:b", "a"));
  EXPECT_FALSE(set_covers("a:b:c", "a:b"));
  EXPECT_FALSE(set_covers("a", "b:a"));
  EXPECT_FALSE(set_covers("b", "a:b"));
  EXPECT_FALSE(set_covers("a:c", "a:b:c"));
  EXPECT_FALSE(set_covers("a", "b"));
}

TEST(SetSpec, IsCaseSensitive_S3) {
  EXPECT_FALSE(set_covers("A", "a"));
  EXPECT_FALSE(set_covers("a", "A:b"));
}

TEST(SetSpec, InvalidSpecsCoverNothing_S2) {
  EXPECT_FALSE(set_covers("", "a"));
  EXPECT_FALSE(set_covers("a:", "a:b"));
  EXPECT_FALSE(set_covers("a", "a:"));
  EXPECT_FALSE(set_covers("a", "a::b"));
  EXPECT_FALSE(set_covers("", ""));
}

}  // namespace
}  // namespace oai
