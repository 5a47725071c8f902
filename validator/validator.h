// `oaipmh validate`: checks a live OAI-PMH 2.0 repository against the rules
// of docs/protocol.md, politely and within a request budget.
#ifndef VALIDATOR_VALIDATOR_H_
#define VALIDATOR_VALIDATOR_H_

#include <set>
#include <stdexcept>
#include <string>

#include "validator/checks.h"
#include "validator/report.h"
#include "validator/session.h"

namespace validator {

struct ValidateOptions {
  SessionOptions session;         // the base URL, budget, delay, time limit, headers
  std::string prefix = "oai_dc";  // the format lists are walked in
  std::string set;                // when given, lists are walked in this set
  std::set<Group> only;           // the groups to check; empty: all
  int max_list_pages = 20;        // pages followed in one list at most
};

// The base URL cannot be checked at all: nothing answers, or what answers
// Identify is not OAI-PMH ("this URL answers HTML"). The message says which.
class NotOaiPmh : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs every check of the chosen groups (and the requests they need) against
// options.session.base_url. Fills `run` (requests made, time, why the run
// stopped early if it did) and returns the observations; checks the budget
// or the time limit left unexercised are skipped. Throws NotOaiPmh.
Report validate(const ValidateOptions& options, RunSummary& run);

}  // namespace validator

#endif  // VALIDATOR_VALIDATOR_H_
