// What `oaipmh validate` found: the verdict of each check, and the three ways
// of writing it (text for people, JSON for scripts, JUnit XML for CI).
#ifndef VALIDATOR_REPORT_H_
#define VALIDATOR_REPORT_H_

#include <map>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "validator/checks.h"

namespace validator {

enum class Verdict { kPass, kWarning, kFail, kSkipped };

std::string_view to_string(Verdict verdict);  // "pass", "warning", "fail", "skipped"

// The verdict of one check, from everything observed of it.
struct CheckResult {
  const CheckInfo* check = nullptr;
  Verdict verdict = Verdict::kSkipped;
  std::string message;  // what was seen (for skipped: why)
  std::string request;  // the request that showed it: "GET http://...?verb=..."
  std::string excerpt;  // the start of that response, for --verbose
  int observed = 0;     // how many times the check was judged
};

// Collects observations while the validator runs. A check fails if any
// observation failed, else warns if any warned, else passes if any passed,
// else is skipped with the first reason given. The message and request are
// those of the first observation of the deciding kind.
class Report {
 public:
  void pass(std::string_view check, std::string message = {}, std::string request = {});
  void warn(std::string_view check, std::string message, std::string request = {},
            std::string excerpt = {});
  void fail(std::string_view check, std::string message, std::string request = {},
            std::string excerpt = {});
  void skip(std::string_view check, std::string reason);

  // One result per check of `groups` (all when empty), in catalogue order.
  std::vector<CheckResult> results(const std::set<Group>& groups = {}) const;

 private:
  struct Observation {
    Verdict verdict;
    std::string message, request, excerpt;
  };
  void add(std::string_view check, Observation observation);
  std::map<std::string, std::vector<Observation>, std::less<>> observations_;
};

// How the run went besides the checks.
struct RunSummary {
  std::string base_url;
  int requests = 0;
  double seconds = 0;
  std::string stopped_early;  // why the run stopped before it was done, or empty
};

struct Totals {
  int passed = 0, warnings = 0, failed = 0, skipped = 0;
};
Totals count(const std::vector<CheckResult>& results);

void write_text(std::ostream& out, const RunSummary& run, const std::vector<CheckResult>& results,
                bool verbose, bool colour);
void write_json(std::ostream& out, const RunSummary& run, const std::vector<CheckResult>& results);
void write_junit(std::ostream& out, const RunSummary& run, const std::vector<CheckResult>& results);

}  // namespace validator

#endif  // VALIDATOR_REPORT_H_
