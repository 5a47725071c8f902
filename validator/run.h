// Inside the validator: one run against one base URL, what it has learnt so
// far, and the steps that make the requests (validator.cc, lists.cc,
// errors.cc). Not part of the module's interface.
#ifndef VALIDATOR_RUN_H_
#define VALIDATOR_RUN_H_

#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harvester/response_reader.h"
#include "oai/datestamp.h"
#include "validator/validator.h"

namespace validator {

// A response as the checks see it: the exchange, and the OAI-PMH it holds
// when it holds any.
struct Answer {
  Exchange exchange;
  std::optional<harvester::Response> oai;  // nullopt: not OAI-PMH (see problem)
  std::string problem;                     // what came instead: "an HTML page (HTTP 200, ...)"
  std::string request;                     // exchange.describe(): for the report
  std::string text;  // the body without characters illegal in XML 1.0: what is parsed

  bool is_error(std::string_view code) const;
  std::string error_codes() const;  // "badArgument, noRecordsMatch", or "no error"
  std::string excerpt() const;      // the start of the body
};

// One list walked page by page.
struct ListWalk {
  std::string verb;
  std::vector<store::HarvestedRecord> items;  // headers (and records) in order
  std::vector<std::string> set_specs;         // ListSets
  std::int64_t entries = 0;                   // everything listed, unreadable records too
  std::size_t dated_now = 0;                  // items whose datestamp is their responseDate
  bool complete = false;                      // reached its last page
  bool empty = false;                         // noRecordsMatch / noSetHierarchy
  std::string first_error;                    // the first page's other error codes
  std::string first_request;                  // the first page's request
  int pages = 0;
};

class Run {
 public:
  Run(const ValidateOptions& options, Report& report);
  void all();
  Session& session() { return session_; }

 private:
  // validator.cc: requests, response checks, Identify
  Answer ask(const Arguments& arguments, bool post = false,
             const std::string& accept_encoding = "identity");
  void check_document(const Answer& answer, std::size_t illegal_characters);
  void check_content_type(const Answer& answer);
  void check_request_url(const Answer& answer, const std::string& body, bool schema_failed);
  void check_required_elements(const Answer& answer);
  void check_admin_emails(const Answer& answer);
  void check_http(const Answer& answer, bool identity_only);
  void check_response_date(const Answer& answer);
  void identify();
  void identify_facts(const Answer& answer);
  void identify_descriptions(const Answer& answer);
  void post_and_compression(const Answer& get);
  void check_compression(const std::string& encoding);
  void after_lists();
  bool wants(Group group) const;

  // lists.cc: formats, sets, lists, records, GetRecord
  void formats();
  void sets();
  ListWalk walk(const Arguments& first, int max_pages);
  void take_items(const Answer& answer, ListWalk& walked, const std::string& prefix,
                  std::set<std::string>& identifiers, bool& duplicate);
  void check_page(const Answer& answer, const ListWalk& walked, std::int64_t items_before);
  void check_headers(const Answer& answer);
  void check_records(const Answer& answer, const std::string& prefix);
  int list_pages() const;
  Arguments list_arguments(const std::string& verb) const;
  void lists();
  void compare_identifiers_and_records();
  void from_until();
  void set_selection();
  void other_formats();
  void advice();
  bool datestamps_look_like_now() const;
  void datestamps_advice();
  std::optional<std::vector<std::string>> formats_of(const std::string& identifier);
  void formats_for_identifier();
  void get_records();
  void post_get_record(const Answer& get);

  // errors.cc
  void errors();
  void verb_and_argument_errors();
  void date_errors();
  void value_errors();
  // Asks `arguments`; the check passes when the answer holds one of `codes`.
  void expect_error(std::string_view check, const Arguments& arguments,
                    std::initializer_list<std::string_view> codes);

  const ValidateOptions& options_;
  Report& report_;
  Session session_;

  // What the repository said of itself.
  std::string declared_base_url_;
  oai::Granularity granularity_ = oai::Granularity::kSeconds;
  std::optional<oai::Datestamp> earliest_;
  bool earliest_holds_ = false;  // no datestamp seen before it
  std::string deleted_record_;
  std::vector<std::string> compression_;
  std::string repository_identifier_;  // of an oai-identifier description
  int oai_identifier_descriptions_ = 0;
  std::vector<store::MetadataFormat> formats_;
  std::map<std::string, store::HarvestedRecord> listed_;  // ListRecords' records by identifier
  std::vector<std::string> datestamps_seen_;
  bool deleted_seen_ = false;
  bool datestamps_moved_ = false;  // GetRecord gave a sample a newer, "now" datestamp
  bool schema_envelope_failed_ = false;
  ListWalk identifier_walk_;
  ListWalk record_walk_;
};

// Whether `datestamp` is written in `granularity`.
bool in_granularity(std::string_view datestamp, oai::Granularity granularity);

}  // namespace validator

#endif  // VALIDATOR_RUN_H_
