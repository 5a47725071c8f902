// The step of a run that asks wrong questions on purpose: each must be
// answered with the error the protocol names (§3.6).
#include <chrono>

#include "validator/run.h"

namespace validator {
namespace {

// ListIdentifiers in `prefix` with `more` arguments.
Arguments list_identifiers(const std::string& prefix, const Arguments& more) {
  Arguments arguments = {{"verb", "ListIdentifiers"}, {"metadataPrefix", prefix}};
  arguments.insert(arguments.end(), more.begin(), more.end());
  return arguments;
}

}  // namespace

void Run::expect_error(std::string_view check, const Arguments& arguments,
                       std::initializer_list<std::string_view> codes) {
  Answer answer = ask(arguments);
  const std::string asked = answer.exchange.query.empty() ? "no arguments" : answer.exchange.query;
  std::string wanted;
  for (const auto code : codes) wanted += (wanted.empty() ? "" : " or ") + std::string(code);
  for (const auto code : codes) {
    if (!answer.is_error(code)) continue;
    report_.pass(check, std::string(code), answer.request);
    if (code == "badVerb" || code == "badArgument")
      report_.pass("errors.request-attributes",
                   "no <request> attributes with " + std::string(code));
    for (const auto& error : answer.oai->errors) {
      if (error.message.empty())
        report_.warn("harvest.error-messages",
                     "the " + error.code + " error has no message for people", answer.request);
      else
        report_.pass("harvest.error-messages", "errors explain themselves");
    }
    return;
  }
  report_.fail(check, asked + " was answered " + answer.error_codes() + ", not " + wanted,
               answer.request, answer.excerpt());
}

void Run::verb_and_argument_errors() {
  const std::string& prefix = options_.prefix;
  expect_error("errors.verb-missing", {}, {"badVerb"});
  expect_error("errors.verb-missing", {{"metadataPrefix", prefix}}, {"badVerb"});
  expect_error("errors.verb-unknown", {{"verb", "NoSuchVerb"}}, {"badVerb"});
  expect_error("errors.verb-unknown", {{"verb", "identify"}}, {"badVerb"});
  expect_error("errors.verb-repeated", {{"verb", "Identify"}, {"verb", "Identify"}}, {"badVerb"});
  expect_error("errors.argument-illegal", list_identifiers(prefix, {{"validatorBogus", "1"}}),
               {"badArgument"});
  // resumptionToken is exclusive: with any other argument it is illegal.
  expect_error("errors.argument-illegal",
               {{"verb", "ListRecords"},
                {"metadataPrefix", prefix},
                {"resumptionToken", "validator-no-such-token-1"}},
               {"badArgument", "badResumptionToken"});
  expect_error("errors.argument-missing", {{"verb", "ListRecords"}}, {"badArgument"});
  expect_error("errors.argument-missing", {{"verb", "GetRecord"}, {"metadataPrefix", prefix}},
               {"badArgument"});
  expect_error(
      "errors.argument-repeated",
      {{"verb", "ListIdentifiers"}, {"metadataPrefix", prefix}, {"metadataPrefix", prefix}},
      {"badArgument"});
  expect_error("errors.identify-argument", {{"verb", "Identify"}, {"metadataPrefix", prefix}},
               {"badArgument"});
}

void Run::date_errors() {
  const std::string& prefix = options_.prefix;
  expect_error("errors.bad-date", list_identifiers(prefix, {{"from", "2020-13-45"}}),
               {"badArgument"});
  expect_error("errors.bad-date", list_identifiers(prefix, {{"until", "yesterday"}}),
               {"badArgument"});
  if (granularity_ == oai::Granularity::kDay)
    expect_error("errors.finer-granularity",
                 list_identifiers(prefix, {{"from", "2000-01-01T00:00:00Z"}}), {"badArgument"});
  else
    report_.skip("errors.finer-granularity",
                 "the repository has seconds granularity: no finer form exists");
  expect_error(
      "errors.mixed-granularity",
      list_identifiers(prefix, {{"from", "2000-01-01"}, {"until", "2099-12-31T23:59:59Z"}}),
      {"badArgument"});
  expect_error("errors.from-after-until",
               list_identifiers(prefix, {{"from", "2021-01-01"}, {"until", "2020-01-01"}}),
               {"badArgument"});
}

void Run::value_errors() {
  const std::string& prefix = options_.prefix;
  expect_error("errors.cannot-disseminate",
               {{"verb", "ListRecords"}, {"metadataPrefix", "validator_no_such_format"}},
               {"cannotDisseminateFormat"});
  if (!record_walk_.items.empty())
    expect_error("errors.cannot-disseminate",
                 {{"verb", "GetRecord"},
                  {"identifier", record_walk_.items.front().identifier},
                  {"metadataPrefix", "validator_no_such_format"}},
                 {"cannotDisseminateFormat"});
  expect_error("errors.id-does-not-exist",
               {{"verb", "GetRecord"},
                {"identifier", "oai:validator.invalid:no-such-item"},
                {"metadataPrefix", prefix}},
               {"idDoesNotExist"});
  // Not even an identifier: either answer is right, if it is well-formed
  // (the id must be escaped wherever it is echoed).
  expect_error(
      "errors.id-does-not-exist",
      {{"verb", "GetRecord"}, {"identifier", "invalid\"id<&>"}, {"metadataPrefix", prefix}},
      {"idDoesNotExist", "badArgument"});
  expect_error("errors.bad-token",
               {{"verb", "ListIdentifiers"}, {"resumptionToken", "validator-no-such-token-0"}},
               {"badResumptionToken"});
  const auto next_year = oai::Datestamp::from_unix_seconds(
      oai::Datestamp::now().unix_seconds() + 366 * 86400, oai::Granularity::kDay);
  expect_error("errors.no-records-match",
               list_identifiers(prefix, {{"from", next_year.to_string()}}), {"noRecordsMatch"});
  if (earliest_ && earliest_holds_ && earliest_->unix_seconds() > -60'000'000'000) {
    // Before the earliest datestamp nothing can match (D-11), unless it is
    // wrong, which identify.earliest-datestamp has said already.
    const auto year_before = oai::Datestamp::from_unix_seconds(
        earliest_->unix_seconds() - 366 * 86400, oai::Granularity::kDay);
    expect_error("errors.no-records-match",
                 list_identifiers(prefix, {{"until", year_before.to_string()}}),
                 {"noRecordsMatch"});
  }
}

void Run::errors() {
  verb_and_argument_errors();
  date_errors();
  value_errors();
}

}  // namespace validator
