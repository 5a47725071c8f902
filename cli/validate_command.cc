// `oaipmh validate`: checks any OAI-PMH repository's conformance and prints
// the verdict of every check (validator/).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "cli/configuration.h"
#include "validator/validator.h"

namespace cli {
namespace {

struct ValidateArguments {
  std::string base_url;
  std::string prefix = "oai_dc";
  std::string set;
  int max_requests = 200;
  double delay = 0.5;
  long time_limit = 600;
  std::string contact;
  std::string user_agent = "oaipmh/" OAIPMH_VERSION " (validate)";
  std::string format = "text";
  std::vector<std::string> only;
  bool verbose = false;
};

std::set<validator::Group> parse_groups(const std::vector<std::string>& names) {
  std::set<validator::Group> groups;
  for (const auto& name : names) {
    bool known = false;
    for (const auto& check : validator::all_checks()) {
      if (validator::group_name(check.group) == name) {
        groups.insert(check.group);
        known = true;
      }
    }
    if (!known)
      throw UsageError("--only " + name +
                       ": not a group (http, xml, identify, formats, sets, lists, records, "
                       "getrecord, errors, harvest)");
  }
  return groups;
}

int run_validate(const ValidateArguments& arguments) {
  if (arguments.base_url.rfind("http://", 0) != 0 && arguments.base_url.rfind("https://", 0) != 0)
    throw UsageError(arguments.base_url + ": the base URL must begin with http:// or https://");
  if (arguments.base_url.find('?') != std::string::npos)
    throw UsageError(arguments.base_url + ": give the base URL without a query (no '?')");
  validator::ValidateOptions options;
  options.session.base_url = arguments.base_url;
  options.session.max_requests = arguments.max_requests;
  options.session.delay_seconds = arguments.delay;
  options.session.time_limit = std::chrono::seconds(arguments.time_limit);
  options.session.user_agent = arguments.user_agent;
  options.session.from = arguments.contact;
  options.prefix = arguments.prefix;
  options.set = arguments.set;
  options.only = parse_groups(arguments.only);

  validator::RunSummary run;
  validator::Report report;
  try {
    report = validator::validate(options, run);
  } catch (const validator::NotOaiPmh& error) {
    std::fprintf(stderr, "oaipmh validate: %s\n", error.what());
    return kExitUsage;
  }
  const auto results = report.results(options.only);
  if (arguments.format == "json") {
    validator::write_json(std::cout, run, results);
  } else if (arguments.format == "junit") {
    validator::write_junit(std::cout, run, results);
  } else {
    const bool colour = isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
    validator::write_text(std::cout, run, results, arguments.verbose, colour);
  }
  std::cout.flush();
  return validator::count(results).failed > 0 ? kExitFailed : kExitOk;
}

}  // namespace

Command add_validate_command(CLI::App& app) {
  auto arguments = std::make_shared<ValidateArguments>();
  CLI::App* command = app.add_subcommand(
      "validate",
      "Check an OAI-PMH 2.0 repository's conformance: every verb, every error, tokens,\n"
      "dates, sets, schemas. Each check names its rule in docs/protocol.md.\n\n"
      "Exit status: 0 no check failed (warnings allowed), 1 at least one check failed,\n"
      "2 usage error, or the URL is unreachable or does not answer OAI-PMH.");
  command->add_option("BASE_URL", arguments->base_url, "The repository's base URL")->required();
  command->add_option("--prefix", arguments->prefix,
                      "The metadata format lists are walked in (default: oai_dc)");
  command->add_option("--set", arguments->set, "Walk lists in this set only");
  command
      ->add_option("--max-requests", arguments->max_requests,
                   "Requests at most, retries included (default: 200)")
      ->check(CLI::Range(20, 100000).description(""));
  command->add_option("--delay", arguments->delay, "Seconds between requests (default: 0.5)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.0, 3600.0).description(""));
  command
      ->add_option("--time-limit", arguments->time_limit,
                   "Seconds the whole run may take (default: 600)")
      ->type_name("SECONDS")
      ->check(CLI::Range(10L, 86400L).description(""));
  command
      ->add_option("--contact", arguments->contact,
                   "E-mail address sent as From, so the repository can reach you (HV-10)")
      ->type_name("EMAIL")
      ->check([](const std::string& value) {
        return is_contact_address(value) ? std::string()
                                         : std::string("an e-mail address such as you@example.org");
      });
  command->add_option("--user-agent", arguments->user_agent,
                      "The User-Agent header (default: oaipmh/" OAIPMH_VERSION " (validate))");
  command->add_option("--format", arguments->format, "text (default), json or junit")
      ->check(CLI::IsMember({"text", "json", "junit"}));
  command
      ->add_option("--only", arguments->only,
                   "Report only these groups: http, xml, identify, formats, sets, lists,\n"
                   "records, getrecord, errors, harvest (repeat or separate by commas)")
      ->delimiter(',')
      ->type_name("GROUP");
  command->add_flag("--verbose,-v", arguments->verbose,
                    "Show the request and the start of the response of every check");
  return {command, [arguments] { return run_validate(*arguments); }};
}

}  // namespace cli
