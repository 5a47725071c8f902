#include "validator/report.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "oai/xml_text.h"

namespace validator {
namespace {

std::string summary_line(const Totals& totals) {
  return std::to_string(totals.passed) + " passed, " + std::to_string(totals.warnings) +
         (totals.warnings == 1 ? " warning, " : " warnings, ") + std::to_string(totals.failed) +
         " failed, " + std::to_string(totals.skipped) + " skipped";
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", seconds);
  return text;
}

// The verdict as the text report shows it, padded, coloured on a terminal.
std::string verdict_label(Verdict verdict, bool colour) {
  const char* label = verdict == Verdict::kPass      ? "pass "
                      : verdict == Verdict::kWarning ? "WARN "
                      : verdict == Verdict::kFail    ? "FAIL "
                                                     : "skip ";
  if (!colour) return label;
  const char* code = verdict == Verdict::kPass      ? "\033[32m"
                     : verdict == Verdict::kWarning ? "\033[33m"
                     : verdict == Verdict::kFail    ? "\033[1;31m"
                                                    : "\033[2m";
  return std::string(code) + label + "\033[0m";
}

std::string indented(std::string_view text, std::string_view indent) {
  std::string out;
  out += indent;
  for (const char c : text) {
    out += c;
    if (c == '\n') out += indent;
  }
  return out;
}

}  // namespace

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kWarning:
      return "warning";
    case Verdict::kFail:
      return "fail";
    case Verdict::kSkipped:
      return "skipped";
  }
  return "";
}

void Report::add(std::string_view check, Observation observation) {
  auto it = observations_.find(check);
  if (it == observations_.end())
    it = observations_.emplace(std::string(check), std::vector<Observation>{}).first;
  it->second.push_back(std::move(observation));
}

void Report::pass(std::string_view check, std::string message, std::string request) {
  add(check, {Verdict::kPass, std::move(message), std::move(request), {}});
}

void Report::warn(std::string_view check, std::string message, std::string request,
                  std::string excerpt) {
  // An advice check only ever warns; so does any check given a warning.
  add(check, {Verdict::kWarning, std::move(message), std::move(request), std::move(excerpt)});
}

void Report::fail(std::string_view check, std::string message, std::string request,
                  std::string excerpt) {
  const CheckInfo* info = find_check(check);
  const Verdict verdict = info != nullptr && info->advice ? Verdict::kWarning : Verdict::kFail;
  add(check, {verdict, std::move(message), std::move(request), std::move(excerpt)});
}

void Report::skip(std::string_view check, std::string reason) {
  add(check, {Verdict::kSkipped, std::move(reason), {}, {}});
}

std::vector<CheckResult> Report::results(const std::set<Group>& groups) const {
  std::vector<CheckResult> results;
  for (const CheckInfo& check : all_checks()) {
    if (!groups.empty() && groups.count(check.group) == 0) continue;
    CheckResult result;
    result.check = &check;
    result.message = "not exercised";
    const auto it = observations_.find(check.name);
    if (it != observations_.end()) {
      int failures = 0, warnings = 0, passes = 0;
      for (const auto& seen : it->second) {
        failures += seen.verdict == Verdict::kFail;
        warnings += seen.verdict == Verdict::kWarning;
        passes += seen.verdict == Verdict::kPass;
      }
      result.observed = failures + warnings + passes;
      const Verdict deciding = failures > 0   ? Verdict::kFail
                               : warnings > 0 ? Verdict::kWarning
                               : passes > 0   ? Verdict::kPass
                                              : Verdict::kSkipped;
      const int same = deciding == Verdict::kFail      ? failures
                       : deciding == Verdict::kWarning ? warnings
                                                       : passes;
      const auto first = std::find_if(it->second.begin(), it->second.end(),
                                      [&](const auto& seen) { return seen.verdict == deciding; });
      result.verdict = deciding;
      result.message = first->message;
      result.request = first->request;
      result.excerpt = first->excerpt;
      if (deciding == Verdict::kPass) {
        if (result.message.empty()) result.message = check.wants;
        if (same > 1) result.message += " (" + std::to_string(same) + " times)";
      } else if (deciding != Verdict::kSkipped && same > 1) {
        result.message += " (and " + std::to_string(same - 1) + " more)";
      }
    }
    results.push_back(std::move(result));
  }
  return results;
}

Totals count(const std::vector<CheckResult>& results) {
  Totals totals;
  for (const auto& result : results) {
    totals.passed += result.verdict == Verdict::kPass;
    totals.warnings += result.verdict == Verdict::kWarning;
    totals.failed += result.verdict == Verdict::kFail;
    totals.skipped += result.verdict == Verdict::kSkipped;
  }
  return totals;
}

void write_text(std::ostream& out, const RunSummary& run, const std::vector<CheckResult>& results,
                bool verbose, bool colour) {
  out << "oaipmh validate " << run.base_url << "\n";
  std::size_t width = 0;
  for (const auto& result : results) width = std::max(width, result.check->name.size());
  const Group* heading = nullptr;
  for (const auto& result : results) {
    if (heading == nullptr || *heading != result.check->group) {
      heading = &result.check->group;
      out << "\n" << group_heading(*heading) << "\n";
    }
    std::string name(result.check->name);
    name.resize(width, ' ');
    out << "  " << verdict_label(result.verdict, colour) << name << "  " << result.message << "  ["
        << result.check->rules << "]\n";
    const bool problem = result.verdict == Verdict::kFail || result.verdict == Verdict::kWarning;
    if (problem || verbose) {
      const std::string pad(width + 9, ' ');
      if (problem) out << pad << "wants: " << result.check->wants << "\n";
      if (!result.request.empty()) out << pad << result.request << "\n";
      if (verbose && !result.excerpt.empty()) out << indented(result.excerpt, pad + "| ") << "\n";
    }
  }
  const Totals totals = count(results);
  out << "\n";
  if (!run.stopped_early.empty()) out << "Stopped early: " << run.stopped_early << "\n";
  out << "Summary: " << summary_line(totals) << " (" << run.requests << " requests, "
      << seconds_text(run.seconds) << ")\n";
}

void write_json(std::ostream& out, const RunSummary& run, const std::vector<CheckResult>& results) {
  using Json = nlohmann::ordered_json;
  const Totals totals = count(results);
  Json report;
  report["base_url"] = run.base_url;
  report["requests"] = run.requests;
  report["seconds"] = run.seconds;
  if (!run.stopped_early.empty()) report["stopped_early"] = run.stopped_early;
  report["summary"] = {{"passed", totals.passed},
                       {"warnings", totals.warnings},
                       {"failed", totals.failed},
                       {"skipped", totals.skipped}};
  Json checks = Json::array();
  for (const auto& result : results) {
    Json check;
    check["name"] = result.check->name;
    check["group"] = group_name(result.check->group);
    check["rules"] = result.check->rules;
    check["verdict"] = to_string(result.verdict);
    check["message"] = result.message;
    check["wants"] = result.check->wants;
    if (!result.request.empty()) check["request"] = result.request;
    if (!result.excerpt.empty()) check["excerpt"] = result.excerpt;
    checks.push_back(std::move(check));
  }
  report["checks"] = std::move(checks);
  out << report.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

void write_junit(std::ostream& out, const RunSummary& run,
                 const std::vector<CheckResult>& results) {
  using oai::xml_escaped, oai::XmlContext;
  const Totals totals = count(results);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"oaipmh validate\" tests=\"" << results.size() << "\" failures=\""
      << totals.failed << "\" skipped=\"" << totals.skipped << "\" time=\"" << run.seconds
      << "\">\n"
      << "  <testsuite name=\"" << xml_escaped(run.base_url, XmlContext::kAttribute)
      << "\" tests=\"" << results.size() << "\" failures=\"" << totals.failed << "\" skipped=\""
      << totals.skipped << "\">\n";
  for (const auto& result : results) {
    const std::string text = result.message + (result.request.empty() ? "" : "\n" + result.request);
    out << "    <testcase classname=\"" << group_name(result.check->group) << "\" name=\""
        << xml_escaped(
               std::string(result.check->name) + " [" + std::string(result.check->rules) + "]",
               XmlContext::kAttribute)
        << "\"";
    switch (result.verdict) {
      case Verdict::kPass:
        out << "/>\n";
        break;
      case Verdict::kSkipped:
        out << ">\n      <skipped message=\"" << xml_escaped(result.message, XmlContext::kAttribute)
            << "\"/>\n    </testcase>\n";
        break;
      case Verdict::kWarning:
        out << ">\n      <system-out>warning: " << xml_escaped(text)
            << "</system-out>\n    </testcase>\n";
        break;
      case Verdict::kFail:
        out << ">\n      <failure message=\"" << xml_escaped(result.message, XmlContext::kAttribute)
            << "\">"
            << xml_escaped(text + "\nwants: " + std::string(result.check->wants) +
                           (result.excerpt.empty() ? "" : "\n" + result.excerpt))
            << "</failure>\n    </testcase>\n";
        break;
    }
  }
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace validator
