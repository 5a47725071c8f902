// The checks of `oaipmh validate`: each a name, the rules of docs/protocol.md
// it judges, the group it is reported under, and what it wants in words.
#ifndef VALIDATOR_CHECKS_H_
#define VALIDATOR_CHECKS_H_

#include <span>
#include <string_view>

namespace validator {

// The groups, in the order the report shows them; `--only` takes their names.
enum class Group {
  kHttp,
  kXml,
  kIdentify,
  kFormats,
  kSets,
  kLists,
  kRecords,
  kGetRecord,
  kErrors,
  kHarvest,
};

struct CheckInfo {
  std::string_view name;   // "identify.base-url": stable, for scripts and JUnit
  std::string_view rules;  // "V-ID-3" or "H-4, V-GR-2": ids of docs/protocol.md
  Group group;
  std::string_view wants;  // what the rule wants, one line
  bool advice = false;     // a harvestability check: warns, never fails
};

// Every check, in report order.
std::span<const CheckInfo> all_checks();

// The check named `name`; nullptr if there is none.
const CheckInfo* find_check(std::string_view name);

// "http", "xml", ...: the group's name for --only and JSON; and its heading
// for people ("HTTP", "ListIdentifiers and ListRecords", ...).
std::string_view group_name(Group group);
std::string_view group_heading(Group group);

}  // namespace validator

#endif  // VALIDATOR_CHECKS_H_
