#include "validator/validator.h"

#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>

#include "harvester/retry.h"
#include "oai/identifier.h"
#include "oai/namespaces.h"
#include "oai/response_check.h"
#include "oai/xml_schema.h"
#include "oai/xml_subtree.h"
#include "oai/xml_text.h"
#include "validator/run.h"

namespace validator {
namespace {

// Where each rule that oai::check_response judges is reported. Rules not
// listed are judged by the validator's own steps.
const std::map<std::string, std::string, std::less<>>& check_of_rule() {
  static const std::map<std::string, std::string, std::less<>> map = {
      {"X-1", "xml.well-formed"},
      {"X-2", "xml.utf-8"},
      {"X-3", "xml.declaration"},
      {"X-4", "xml.no-dtd"},
      {"X-5", "xml.schema"},
      {"X-6", "xml.namespace"},
      {"X-7", "xml.response-date"},
      {"X-10", "errors.request-attributes"},
      {"D-1", "xml.date-forms"},
      {"D-5", "errors.mixed-granularity"},
      {"D-6", "errors.from-after-until"},
      {"D-10", "lists.granularity"},
      {"D-12", "lists.expiration"},
      {"V-ID-4", "identify.earliest-datestamp"},
      {"DR-6", "records.deleted"},
      {"V-LR-5", "records.metadata"},
      {"V-LR-9", "records.format-namespace"},
      {"X-14", "records.oai-dc"},
      {"DC-2", "records.oai-dc"},
  };
  return map;
}

// The checks every OAI-PMH response is judged by, passed when nothing is found.
constexpr std::string_view kDocumentChecks[] = {
    "xml.well-formed", "xml.utf-8",     "xml.declaration",   "xml.no-dtd",
    "xml.schema",      "xml.namespace", "xml.response-date", "xml.date-forms"};

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool looks_like_html(const harvester::HttpResponse& response) {
  if (lowered(response.content_type).find("html") != std::string::npos) return true;
  const auto start = response.body.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (start == std::string::npos) return false;
  const std::string head = lowered(std::string_view(response.body).substr(start, 15));
  return head.rfind("<!doctype html", 0) == 0 || head.rfind("<html", 0) == 0;
}

// The URL without its query string.
std::string without_query(const std::string& url) { return url.substr(0, url.find('?')); }

// The text of <request> and, for xml.request-url, nothing else of the tree.
std::string request_element_text(std::string_view body) {
  static const std::regex request(R"(<(?:[A-Za-z_][\w.-]*:)?request\b[^>]*>([^<]*)<)");
  std::match_results<std::string_view::const_iterator> match;
  if (!std::regex_search(body.begin(), body.end(), match, request)) return {};
  return oai::trim_xml_space(match[1].str());
}

std::string decoded_amp(std::string text) {
  for (auto at = text.find("&amp;"); at != std::string::npos; at = text.find("&amp;", at + 1))
    text.replace(at, 5, "&");
  return text;
}

}  // namespace

bool in_granularity(std::string_view datestamp, oai::Granularity granularity) {
  const auto parsed = oai::Datestamp::parse(datestamp);
  return parsed && parsed->granularity() == granularity;
}

bool Answer::is_error(std::string_view code) const {
  if (!oai) return false;
  return std::any_of(oai->errors.begin(), oai->errors.end(),
                     [&](const oai::OaiError& error) { return error.code == code; });
}

std::string Answer::error_codes() const {
  if (!oai) return problem;
  if (oai->errors.empty()) return "no error";
  std::string codes;
  for (const auto& error : oai->errors) codes += (codes.empty() ? "" : ", ") + error.code;
  return codes;
}

std::string Answer::excerpt() const {
  const std::string& body = exchange.response.body;
  std::string text = body.substr(0, 600);
  oai::remove_illegal_xml_chars(text);
  return body.size() > 600 ? text + "..." : text;
}

Run::Run(const ValidateOptions& options, Report& report)
    : options_(options), report_(report), session_(options.session) {}

bool Run::wants(Group group) const {
  return options_.only.empty() || options_.only.count(group) > 0;
}

Answer Run::ask(const Arguments& arguments, bool post, const std::string& accept_encoding) {
  Answer answer;
  answer.exchange = session_.send(arguments, post, accept_encoding);
  answer.request = answer.exchange.describe(options_.session.base_url);
  const auto& response = answer.exchange.response;
  if (!answer.exchange.answered()) {
    answer.problem = "no response: " + answer.exchange.transport_error;
    return answer;
  }
  check_http(answer, accept_encoding == "identity");
  if (looks_like_html(response)) {
    answer.problem = "an HTML page (HTTP " + std::to_string(response.status) +
                     (response.content_type.empty() ? "" : ", " + response.content_type) +
                     "), not OAI-PMH";
    return answer;
  }
  const auto start = response.body.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (start == std::string::npos || response.body[start] != '<') {
    answer.problem = "a body that is not XML (HTTP " + std::to_string(response.status) +
                     (response.content_type.empty() ? "" : ", " + response.content_type) + ")";
    // A refusal in plain text (405, 404) is HTTP's business; a 200 is an answer.
    if (response.status == 200)
      report_.fail("xml.well-formed",
                   "the response is not XML: '" + response.body.substr(0, 60) + "'", answer.request,
                   answer.excerpt());
    return answer;
  }
  answer.text = response.body;
  const std::size_t illegal = oai::remove_illegal_xml_chars(answer.text);
  check_document(answer, illegal);
  try {
    answer.oai =
        harvester::read_response(answer.text, harvester::charset_of(response.content_type));
  } catch (const harvester::ResponseError& error) {
    answer.problem =
        "not an OAI-PMH response (HTTP " + std::to_string(response.status) + "): " + error.what();
    return answer;
  }
  check_response_date(answer);
  if (!answer.oai->errors.empty()) {
    if (response.status == 200)
      report_.pass("http.status-200", "OAI-PMH errors come with HTTP 200");
    else
      report_.fail("http.status-200",
                   answer.error_codes() + " came with HTTP " + std::to_string(response.status),
                   answer.request);
  }
  return answer;
}

void Run::check_response_date(const Answer& answer) {
  // D-14: the repository's clock when it answered. A day off is a wrong
  // clock or a cached page; the form itself is X-7's (check_response).
  const auto date = oai::Datestamp::parse(answer.oai->response_date);
  if (!date || date->granularity() != oai::Granularity::kSeconds) return;
  const std::int64_t off = date->unix_seconds() - oai::Datestamp::now().unix_seconds();
  if (std::abs(off) > 86400)
    report_.warn("xml.response-date",
                 "responseDate " + answer.oai->response_date + " is " +
                     std::to_string(std::abs(off) / 3600) + " hours " +
                     (off < 0 ? "behind" : "ahead of") +
                     " our clock: a stale cache or a wrong clock",
                 answer.request);
}

void Run::check_http(const Answer& answer, bool identity_only) {
  const auto& response = answer.exchange.response;
  for (const auto& retry_after : answer.exchange.unavailable) {
    if (!retry_after)
      report_.fail("http.retry-after", "HTTP 503 without Retry-After", answer.request);
    else if (!harvester::parse_retry_after(*retry_after, std::chrono::system_clock::now()))
      report_.fail("http.retry-after",
                   "Retry-After '" + *retry_after + "' is neither seconds nor an HTTP date",
                   answer.request);
    else
      report_.pass("http.retry-after", "503 came with Retry-After: " + *retry_after,
                   answer.request);
  }
  if (response.redirects > 0) {
    report_.warn("http.redirects",
                 "the base URL redirects to " + without_query(response.effective_url) +
                     ": harvesters should be given that URL",
                 answer.request);
  } else {
    report_.pass("http.redirects", "no redirect");
  }
  const std::string encoding = lowered(response.content_encoding);
  if (identity_only && !encoding.empty() && encoding != "identity") {
    report_.fail("http.compression",
                 "compressed with " + response.content_encoding +
                     " although the request accepted identity only",
                 answer.request);
  }
}

void Run::check_content_type(const Answer& answer) {
  const auto& response = answer.exchange.response;
  const std::string type = lowered(response.content_type);
  if (type.empty()) {
    report_.fail("http.content-type", "no Content-Type header", answer.request);
  } else if (type.find("xml") == std::string::npos) {
    report_.fail("http.content-type", "Content-Type is " + response.content_type, answer.request);
  } else if (type.find("charset") != std::string::npos && type.find("utf-8") == std::string::npos) {
    report_.fail("http.content-type", "Content-Type is " + response.content_type + ", not UTF-8",
                 answer.request);
  } else if (type.find("charset") == std::string::npos) {
    report_.warn("http.content-type",
                 "Content-Type " + response.content_type + " names no charset (add charset=UTF-8)",
                 answer.request);
  } else {
    report_.pass("http.content-type", "Content-Type " + response.content_type);
  }
}

void Run::check_request_url(const Answer& answer, const std::string& body, bool schema_failed) {
  const auto& response = answer.exchange.response;
  // <request> holds the base URL asked (or the one a redirect led to).
  const std::string echoed = decoded_amp(request_element_text(body));
  const std::string& asked = options_.session.base_url;
  const std::string reached = without_query(response.effective_url);
  if (echoed == asked || (response.redirects > 0 && echoed == reached)) {
    report_.pass("xml.request-url", "<request> is " + echoed);
  } else if (!echoed.empty() || !schema_failed) {
    report_.fail("xml.request-url",
                 "<request> holds '" + echoed + "', the request went to " + asked, answer.request);
  }
}

void Run::check_document(const Answer& answer, std::size_t illegal_characters) {
  check_content_type(answer);
  // Bytes that are not UTF-8 are X-2's to report, so the document checks
  // see them; characters illegal in XML are this check's, and removed.
  const std::string& raw = answer.exchange.response.body;
  const bool utf8 = oai::find_invalid_utf8(raw) == std::string::npos;
  const std::string& body = utf8 ? answer.text : raw;
  if (utf8 && illegal_characters > 0) {
    report_.fail("xml.characters",
                 std::to_string(illegal_characters) +
                     " character(s) illegal in XML 1.0 (control characters)",
                 answer.request, answer.excerpt());
  } else if (utf8) {
    report_.pass("xml.characters", "no illegal characters");
  }
  std::set<std::string> failed;
  for (const auto& finding : oai::check_response(body, oai::PayloadValidation::kNone)) {
    const auto it = check_of_rule().find(finding.rule);
    if (it == check_of_rule().end()) continue;
    if (it->second == "xml.schema") schema_envelope_failed_ = true;
    failed.insert(it->second);
    report_.fail(it->second, finding.message, answer.request, answer.excerpt());
  }
  for (const std::string_view check : kDocumentChecks)
    if (failed.count(std::string(check)) == 0) report_.pass(check);

  check_request_url(answer, body, failed.count("xml.schema") > 0);
}

void Run::identify() {
  Answer answer = ask({{"verb", "Identify"}});
  const auto& response = answer.exchange.response;
  if (!answer.exchange.answered())
    throw NotOaiPmh("cannot reach " + options_.session.base_url + ": " +
                    answer.exchange.transport_error);
  const bool speaks_oai = response.body.find(oai::kOaiPmhNamespace) != std::string::npos;
  if (!answer.oai && speaks_oai && !response.body.empty()) {
    // OAI-PMH, but unreadable: the XML checks said why; the rest goes on
    // with what the protocol assumes (seconds granularity).
    report_.fail("identify.answers", "Identify is unreadable: " + answer.problem, answer.request,
                 answer.excerpt());
    return;
  }
  if (!answer.oai) {
    std::string problem = answer.problem;
    if (problem.rfind("an HTML page", 0) == 0) problem = "this URL answers " + problem;
    throw NotOaiPmh(options_.session.base_url + ": " + problem +
                    (response.status != 200 && problem.find("HTTP") == std::string::npos
                         ? " (HTTP " + std::to_string(response.status) + ")"
                         : ""));
  }
  if (!answer.oai->identify) {
    report_.fail("identify.answers", "Identify answered " + answer.error_codes(), answer.request,
                 answer.excerpt());
    return;
  }
  identify_facts(answer);
  identify_descriptions(answer);
  post_and_compression(answer);
}

void Run::check_required_elements(const Answer& answer) {
  const store::IdentifyFacts& facts = *answer.oai->identify;
  std::vector<std::string> missing;
  if (facts.repository_name.empty()) missing.emplace_back("repositoryName");
  if (facts.declared_base_url.empty()) missing.emplace_back("baseURL");
  if (facts.protocol_version.empty()) missing.emplace_back("protocolVersion");
  if (facts.admin_emails.empty()) missing.emplace_back("adminEmail");
  if (facts.earliest_datestamp.empty()) missing.emplace_back("earliestDatestamp");
  if (facts.deleted_record.empty()) missing.emplace_back("deletedRecord");
  if (facts.granularity.empty()) missing.emplace_back("granularity");
  if (missing.empty()) {
    report_.pass("identify.answers", "Identify of '" + facts.repository_name + "'");
    return;
  }
  std::string list;
  for (const auto& name : missing) list += (list.empty() ? "" : ", ") + name;
  report_.fail("identify.answers", "Identify lacks " + list, answer.request, answer.excerpt());
}

void Run::check_admin_emails(const Answer& answer) {
  static const std::regex email(R"(^[^@\s<>()]+@([A-Za-z0-9-]+\.)+[A-Za-z0-9-]+$)");
  for (const auto& address : answer.oai->identify->admin_emails) {
    if (address.rfind("mailto:", 0) == 0)
      report_.fail("identify.admin-email",
                   "adminEmail '" + address + "' is a URL: give the address alone", answer.request);
    else if (std::regex_match(address, email))
      report_.pass("identify.admin-email", "adminEmail " + address);
    else
      report_.fail("identify.admin-email", "adminEmail '" + address + "' is not an e-mail address",
                   answer.request);
  }
}

void Run::identify_facts(const Answer& answer) {
  const store::IdentifyFacts& facts = *answer.oai->identify;
  const std::string& request = answer.request;
  check_required_elements(answer);
  declared_base_url_ = facts.declared_base_url;
  const std::string reached = without_query(answer.exchange.response.effective_url);
  if (facts.declared_base_url == options_.session.base_url) {
    report_.pass("identify.base-url", "baseURL is " + facts.declared_base_url);
  } else if (answer.exchange.response.redirects > 0 && facts.declared_base_url == reached) {
    report_.pass("identify.base-url",
                 "baseURL is " + reached + ", where the URL asked redirects to", request);
  } else {
    report_.fail("identify.base-url",
                 "baseURL is '" + facts.declared_base_url + "', but Identify was asked at " +
                     options_.session.base_url,
                 request);
  }

  if (facts.protocol_version == "2.0")
    report_.pass("identify.protocol-version", "protocolVersion 2.0");
  else
    report_.fail("identify.protocol-version", "protocolVersion is '" + facts.protocol_version + "'",
                 request);

  if (const auto granularity = oai::parse_granularity(facts.granularity)) {
    granularity_ = *granularity;
    report_.pass("identify.granularity", "granularity " + facts.granularity);
  } else {
    report_.fail("identify.granularity", "granularity is '" + facts.granularity + "'", request);
  }

  earliest_ = oai::Datestamp::parse(facts.earliest_datestamp);
  if (!earliest_) {
    report_.fail("identify.earliest-datestamp",
                 "earliestDatestamp '" + facts.earliest_datestamp + "' is not a datestamp",
                 request);
  } else if (earliest_->unix_seconds() > oai::Datestamp::now().unix_seconds() + 86400) {
    report_.fail("identify.earliest-datestamp",
                 "earliestDatestamp " + facts.earliest_datestamp + " is in the future", request);
  }

  deleted_record_ = facts.deleted_record;
  if (deleted_record_ != "no" && deleted_record_ != "transient" && deleted_record_ != "persistent")
    report_.fail("identify.deleted-record", "deletedRecord is '" + deleted_record_ + "'", request);

  check_admin_emails(answer);
  compression_ = facts.compression;
}

void Run::identify_descriptions(const Answer& answer) {
  std::vector<std::string> errors;
  const std::string& body = answer.text;
  const oai::XmlDocument doc = oai::parse_xml(body, errors);
  if (doc == nullptr) return;
  // The oai-identifier description, if any: its repositoryIdentifier.
  int known = 0;
  for (const xmlNode* node = xmlDocGetRootElement(doc.get()); node != nullptr;) {
    if (node->type == XML_ELEMENT_NODE && node->ns != nullptr) {
      const std::string_view ns(reinterpret_cast<const char*>(node->ns->href));
      const std::string_view name(reinterpret_cast<const char*>(node->name));
      if (ns == oai::kOaiIdentifierNamespace && name == "oai-identifier") {
        ++known;
        ++oai_identifier_descriptions_;
      }
      if (ns == oai::kFriendsNamespace && name == "friends") ++known;
      if (ns == oai::kOaiIdentifierNamespace && name == "repositoryIdentifier")
        repository_identifier_ = oai::text_content(node);
    }
    // Depth-first walk.
    if (node->children != nullptr && node->type == XML_ELEMENT_NODE) {
      node = node->children;
      continue;
    }
    while (node != nullptr && node->next == nullptr) node = node->parent;
    if (node != nullptr) node = node->next;
  }
  if (known == 0 &&
      body.find("http://www.openarchives.org/OAI/2.0/branding/") == std::string::npos) {
    report_.skip("identify.descriptions", "Identify has no description with a bundled schema");
  } else if (!schema_envelope_failed_) {
    bool valid = true;
    for (const auto& finding : oai::check_response(body, oai::PayloadValidation::kKnown)) {
      if (finding.rule != "X-5") continue;
      valid = false;
      report_.fail("identify.descriptions", finding.message, answer.request, answer.excerpt());
    }
    if (valid) report_.pass("identify.descriptions", "descriptions valid against their schemas");
  }
  if (oai_identifier_descriptions_ > 1)
    report_.fail("identify.oai-identifier",
                 std::to_string(oai_identifier_descriptions_) +
                     " oai-identifier descriptions: a repository has one",
                 answer.request);
  if (!repository_identifier_.empty() &&
      !oai::is_valid_repository_identifier(repository_identifier_)) {
    report_.fail("identify.oai-identifier",
                 "repositoryIdentifier '" + repository_identifier_ + "' is not a domain name",
                 answer.request);
  }
  if (repository_identifier_.empty())
    report_.skip("identify.oai-identifier", "Identify has no oai-identifier description");
}

void Run::post_and_compression(const Answer& get) {
  if (!wants(Group::kHttp)) return;
  Answer post = ask({{"verb", "Identify"}}, true);
  if (post.oai && post.oai->identify &&
      post.oai->identify->declared_base_url == get.oai->identify->declared_base_url &&
      post.oai->identify->repository_name == get.oai->identify->repository_name) {
    report_.pass("http.post", "POST verb=Identify answered like GET", post.request);
  } else {
    report_.fail("http.post", "POST verb=Identify answered " + post.error_codes(), post.request,
                 post.excerpt());
  }
  bool advertised = false;
  for (const auto& encoding : compression_) {
    const std::string name = lowered(encoding);
    if (name != "gzip" && name != "deflate") continue;  // what libcurl can undo
    advertised = true;
    check_compression(name);
  }
  if (!advertised) report_.pass("http.compression", "no compression advertised; identity used");
}

void Run::check_compression(const std::string& encoding) {
  Answer compressed = ask({{"verb", "Identify"}}, false, encoding);
  const auto& response = compressed.exchange.response;
  if (!compressed.oai) {
    report_.fail("http.compression",
                 "with Accept-Encoding: " + encoding + ", " + compressed.problem,
                 compressed.request);
  } else if (lowered(response.content_encoding) != encoding) {
    report_.fail("http.compression",
                 "Identify advertises " + encoding + ", but the response to Accept-Encoding: " +
                     encoding + " has Content-Encoding '" + response.content_encoding + "'",
                 compressed.request);
  } else if (response.wire_bytes >= response.body.size()) {
    report_.fail("http.compression",
                 "Content-Encoding " + encoding + ", but " + std::to_string(response.wire_bytes) +
                     " bytes came for " + std::to_string(response.body.size()) + " decoded",
                 compressed.request);
  } else {
    report_.pass("http.compression",
                 encoding + " honoured: " + std::to_string(response.wire_bytes) + " bytes for " +
                     std::to_string(response.body.size()),
                 compressed.request);
  }
}

void Run::after_lists() {
  if (earliest_) {
    bool all_later = true;
    for (const auto& text : datestamps_seen_) {
      const auto datestamp = oai::Datestamp::parse(text);
      if (datestamp && datestamp->last_second() < earliest_->first_second()) {
        report_.fail("identify.earliest-datestamp", "a record has datestamp " + text +
                                                        ", before earliestDatestamp " +
                                                        earliest_->to_string());
        all_later = false;
        break;
      }
    }
    earliest_holds_ = all_later;
    if (all_later)
      report_.pass("identify.earliest-datestamp",
                   "earliestDatestamp " + earliest_->to_string() + ", no datestamp seen before it");
  }
  if (deleted_record_ == "no" && deleted_seen_)
    report_.fail("identify.deleted-record",
                 "deletedRecord is 'no', but deleted records are listed");
  else if (!deleted_record_.empty())
    report_.pass("identify.deleted-record",
                 "deletedRecord " + deleted_record_ + (deleted_seen_ ? ", deletions seen" : ""));
  if (!repository_identifier_.empty()) {
    const std::string prefix = "oai:" + repository_identifier_ + ":";
    bool all = true;
    for (const auto& [identifier, record] : listed_) {
      if (identifier.rfind(prefix, 0) != 0) {
        report_.fail("identify.oai-identifier", "identifier '" + identifier +
                                                    "' does not begin with " + prefix +
                                                    " as the oai-identifier description says");
        all = false;
        break;
      }
    }
    if (all) report_.pass("identify.oai-identifier", "identifiers begin with " + prefix);
  }
}

void Run::all() {
  identify();
  formats();
  if (wants(Group::kSets)) sets();
  lists();
  after_lists();
  formats_for_identifier();
  get_records();
  datestamps_advice();
  if (wants(Group::kErrors)) errors();
}

Report validate(const ValidateOptions& options, RunSummary& run) {
  oai::use_bundled_entities_only();
  Report report;
  Run validation(options, report);
  run.base_url = options.session.base_url;
  try {
    validation.all();
  } catch (const StopRun& stop) {
    run.stopped_early = stop.what();
  }
  run.requests = validation.session().requests();
  run.seconds = validation.session().elapsed_seconds();
  if (!run.stopped_early.empty()) {
    for (const CheckInfo& check : all_checks())
      report.skip(check.name, "not reached: " + run.stopped_early);
  }
  return report;
}

}  // namespace validator
