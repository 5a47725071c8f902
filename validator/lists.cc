// The steps of a run that read lists: ListMetadataFormats, ListSets,
// ListIdentifiers, ListRecords, and GetRecord of what they listed.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include "oai/identifier.h"
#include "oai/set_spec.h"
#include "oai/xml_schema.h"
#include "validator/run.h"

namespace validator {
namespace {

constexpr int kTinyPage = 10;                     // harvest.page-size
constexpr double kSlowPageSeconds = 10;           // harvest.page-time
constexpr std::int64_t kShortTokenSeconds = 600;  // harvest.token-lifetime

std::string joined(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  std::string text;
  for (const auto& value : values) text += (text.empty() ? "" : " ") + value;
  return "[" + text + "]";
}

std::string describe_header(const store::HarvestedRecord& record) {
  return record.identifier + " " + record.datestamp + (record.deleted ? " deleted " : " ") +
         joined(record.set_specs);
}

bool resolvable(const std::string& value) {
  for (const char* scheme : {"http://", "https://", "doi:", "hdl:", "urn:nbn:", "info:doi/"}) {
    if (value.rfind(scheme, 0) == 0) return true;
  }
  return false;
}

}  // namespace

void Run::formats() {
  Answer answer = ask({{"verb", "ListMetadataFormats"}});
  if (!answer.oai || !answer.oai->errors.empty()) {
    report_.fail("formats.oai-dc", "ListMetadataFormats answered " + answer.error_codes(),
                 answer.request, answer.excerpt());
    return;
  }
  formats_ = answer.oai->formats;
  const auto oai_dc = std::find_if(formats_.begin(), formats_.end(), [](const auto& format) {
    return format.metadata_prefix == "oai_dc";
  });
  if (oai_dc == formats_.end()) {
    report_.fail("formats.oai-dc", "ListMetadataFormats does not list oai_dc", answer.request);
  } else if (oai_dc->schema_url != "http://www.openarchives.org/OAI/2.0/oai_dc.xsd" ||
             oai_dc->metadata_namespace != "http://www.openarchives.org/OAI/2.0/oai_dc/") {
    report_.fail("formats.oai-dc",
                 "oai_dc is listed with schema '" + oai_dc->schema_url + "' and namespace '" +
                     oai_dc->metadata_namespace + "'",
                 answer.request);
  } else {
    report_.pass("formats.oai-dc",
                 "oai_dc among " + std::to_string(formats_.size()) + " format(s)");
  }
}

void Run::sets() {
  const ListWalk walked = walk({{"verb", "ListSets"}}, 5);
  if (walked.empty) {
    report_.pass("sets.answers", "no sets (noSetHierarchy)");
    report_.skip("sets.set-spec", "the repository has no sets");
    report_.skip("sets.parents", "the repository has no sets");
    return;
  }
  if (!walked.first_error.empty()) {
    report_.fail("sets.answers", "ListSets answered " + walked.first_error, walked.first_request);
    return;
  }
  report_.pass("sets.answers", std::to_string(walked.set_specs.size()) + " sets");
  const std::set<std::string> specs(walked.set_specs.begin(), walked.set_specs.end());
  bool valid = true, parents = true;
  for (const auto& spec : walked.set_specs) {
    if (!oai::is_valid_set_spec(spec)) {
      report_.fail("sets.set-spec", "setSpec '" + spec + "' is not a valid setSpec",
                   walked.first_request);
      valid = false;
    }
    const auto colon = spec.rfind(':');
    if (colon != std::string::npos && specs.count(spec.substr(0, colon)) == 0) {
      report_.fail(
          "sets.parents",
          "set '" + spec + "' is listed, its parent '" + spec.substr(0, colon) + "' is not",
          walked.first_request);
      parents = false;
    }
  }
  if (valid) report_.pass("sets.set-spec", "every setSpec is valid");
  if (parents) report_.pass("sets.parents", "every parent set is listed");
}

void Run::take_items(const Answer& answer, ListWalk& walked, const std::string& prefix,
                     std::set<std::string>& identifiers, bool& duplicate) {
  if (walked.verb == "ListSets") {
    for (const auto& set : answer.oai->sets) walked.set_specs.push_back(set.set_spec);
  } else {
    const auto response_date = oai::Datestamp::parse(answer.oai->response_date);
    for (const auto& record : answer.oai->records) {
      const auto datestamp = oai::Datestamp::parse(record.datestamp);
      if (response_date && datestamp &&
          std::abs(datestamp->unix_seconds() - response_date->unix_seconds()) <= 1)
        ++walked.dated_now;
      if (!identifiers.insert(record.identifier).second && !duplicate) {
        report_.fail("lists.unique", record.identifier + " is listed twice in one " + walked.verb,
                     answer.request);
        duplicate = true;
      }
      walked.items.push_back(record);
    }
    if (walked.verb == "ListRecords")
      check_records(answer, prefix);
    else
      check_headers(answer);
  }
}

ListWalk Run::walk(const Arguments& first, int max_pages) {
  ListWalk walked;
  walked.verb = first.front().second;
  std::string prefix;
  for (const auto& [key, value] : first)
    if (key == "metadataPrefix") prefix = value;
  Arguments arguments = first;
  std::set<std::string> tokens, identifiers;
  bool duplicate = false;
  for (int page = 0; page < max_pages; ++page) {
    Answer answer = ask(arguments);
    if (page == 0) walked.first_request = answer.request;
    if (!answer.oai || !answer.oai->errors.empty()) {
      if (page == 0 && (answer.is_error("noRecordsMatch") || answer.is_error("noSetHierarchy"))) {
        walked.empty = true;
      } else if (page == 0) {
        walked.first_error = answer.error_codes();
      } else {
        report_.fail("lists.tokens",
                     "the resumptionToken of page " + std::to_string(page) + " was answered " +
                         answer.error_codes(),
                     answer.request, answer.excerpt());
      }
      return walked;
    }
    ++walked.pages;
    const std::int64_t before = walked.entries;
    walked.entries += static_cast<std::int64_t>(
        answer.oai->records.size() + answer.oai->sets.size() + answer.oai->rejected.size());
    take_items(answer, walked, prefix, identifiers, duplicate);
    check_page(answer, walked, before);
    const auto& token = answer.oai->resumption_token;
    if (!token || token->value.empty()) {
      walked.complete = true;
      break;
    }
    if (!tokens.insert(token->value).second) {
      report_.fail("lists.tokens", "resumptionToken '" + token->value + "' came twice: a loop",
                   answer.request);
      return walked;
    }
    arguments = {{"verb", walked.verb}, {"resumptionToken", token->value}};
  }
  if (!duplicate && walked.verb != "ListSets")
    report_.pass("lists.unique", "no identifier twice in " + walked.verb);
  report_.pass("lists.tokens", walked.verb + ": " + std::to_string(walked.pages) + " page(s)" +
                                   (walked.complete ? ", to the end" : ", the list goes on"));
  return walked;
}

void Run::check_headers(const Answer& answer) {
  for (const auto& header : answer.oai->records) {
    datestamps_seen_.push_back(header.datestamp);
    deleted_seen_ = deleted_seen_ || header.deleted;
    if (in_granularity(header.datestamp, granularity_))
      report_.pass("lists.granularity", "datestamps in the declared granularity");
    else
      report_.fail("lists.granularity",
                   "datestamp '" + header.datestamp + "' of " + header.identifier +
                       " is not in the declared granularity " +
                       std::string(oai::to_string(granularity_)),
                   answer.request);
  }
}

void Run::check_page(const Answer& answer, const ListWalk& walked, std::int64_t items_before) {
  const auto& oai = *answer.oai;
  const auto& token = oai.resumption_token;
  const std::int64_t items = walked.entries - items_before;
  if (answer.exchange.response.seconds > kSlowPageSeconds)
    report_.warn("harvest.page-time",
                 walked.verb + " page took " +
                     std::to_string(static_cast<int>(answer.exchange.response.seconds)) + " s",
                 answer.request);
  else
    report_.pass(
        "harvest.page-time",
        "pages come back within " + std::to_string(static_cast<int>(kSlowPageSeconds)) + " s");
  if (!token) return;
  if (token->cursor) {
    if (*token->cursor == items_before)
      report_.pass("lists.cursor", "cursor counts the items before each page");
    else
      report_.fail("lists.cursor",
                   "cursor is " + std::to_string(*token->cursor) + " on a page after " +
                       std::to_string(items_before) + " items",
                   answer.request);
  }
  if (token->complete_list_size && token->value.empty() && walked.complete == false &&
      *token->complete_list_size != items_before + items) {
    report_.warn("lists.cursor",
                 "completeListSize is " + std::to_string(*token->complete_list_size) +
                     ", the list had " + std::to_string(items_before + items) + " items",
                 answer.request);
  }
  if (!token->value.empty() && items < kTinyPage)
    report_.warn(
        "harvest.page-size",
        walked.verb + " page of " + std::to_string(items) + " item(s) before the list's end",
        answer.request);
  else if (!token->value.empty())
    report_.pass("harvest.page-size", "pages of " + std::to_string(items) + " items");
  if (!token->expiration_date) return;
  const auto expires = oai::Datestamp::parse(*token->expiration_date);
  const auto now = oai::Datestamp::parse(oai.response_date);
  if (!expires || !now) return;  // D-12 / X-7 say so
  const std::int64_t lifetime = expires->unix_seconds() - now->unix_seconds();
  if (lifetime <= 0) {
    report_.fail("lists.expiration",
                 "expirationDate " + *token->expiration_date + " is not after responseDate " +
                     oai.response_date,
                 answer.request);
    return;
  }
  report_.pass("lists.expiration", "tokens expire in the future");
  if (lifetime < kShortTokenSeconds)
    report_.warn("harvest.token-lifetime",
                 "a token expires " + std::to_string(lifetime) + " s after it is sent",
                 answer.request);
  else
    report_.pass("harvest.token-lifetime", "tokens live for at least 10 minutes");
}

void Run::check_records(const Answer& answer, const std::string& prefix) {
  check_headers(answer);
  const auto format = std::find_if(formats_.begin(), formats_.end(), [&](const auto& known) {
    return known.metadata_prefix == prefix;
  });
  for (const auto& record : answer.oai->records) {
    if (record.deleted) {
      report_.pass("records.deleted", "deleted records have a header only");
      continue;
    }
    if (record.metadata.empty()) continue;  // V-LR-5 from the document check
    report_.pass("records.metadata", "records carry metadata");
    // The payload, parsed once for its namespace and its schema.
    std::vector<std::string> errors;
    const oai::XmlDocument payload = oai::parse_xml(record.metadata, errors);
    const xmlNode* root = payload ? xmlDocGetRootElement(payload.get()) : nullptr;
    const std::string ns =
        root != nullptr && root->ns != nullptr ? reinterpret_cast<const char*>(root->ns->href) : "";
    if (format != formats_.end()) {
      if (ns == format->metadata_namespace)
        report_.pass("records.format-namespace", "metadata in the namespace of its format");
      else
        report_.fail("records.format-namespace",
                     record.identifier + " in " + prefix + " is in namespace '" + ns + "', not '" +
                         format->metadata_namespace + "'",
                     answer.request);
    }
    if (prefix != "oai_dc") continue;
    if (payload) errors = oai::XmlSchema::oai_dc().validate(*payload);
    if (errors.empty())
      report_.pass("records.oai-dc", "oai_dc metadata valid against oai_dc.xsd");
    else
      report_.fail("records.oai-dc", record.identifier + ": " + errors.front(), answer.request,
                   record.metadata.substr(0, 600));
  }
}

void Run::compare_identifiers_and_records() {
  const ListWalk& identifiers = identifier_walk_;
  int compared = 0;
  for (const auto& header : identifiers.items) {
    const auto it = listed_.find(header.identifier);
    if (it == listed_.end()) continue;
    ++compared;
    auto a = header.set_specs, b = it->second.set_specs;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    if (header.datestamp != it->second.datestamp || header.deleted != it->second.deleted ||
        a != b) {
      report_.fail("lists.identifiers-match-records",
                   "ListIdentifiers gives " + describe_header(header) + ", ListRecords " +
                       describe_header(it->second),
                   identifiers.first_request);
      return;
    }
  }
  if (compared > 0)
    report_.pass("lists.identifiers-match-records",
                 std::to_string(compared) + " headers equal in both lists");
}

int Run::list_pages() const {
  return std::clamp((session_.remaining() - 60) / 2, 1, options_.max_list_pages);
}

Arguments Run::list_arguments(const std::string& verb) const {
  Arguments arguments = {{"verb", verb}, {"metadataPrefix", options_.prefix}};
  if (!options_.set.empty()) arguments.emplace_back("set", options_.set);
  return arguments;
}

void Run::lists() {
  const int pages = list_pages();
  identifier_walk_ = walk(list_arguments("ListIdentifiers"), pages);
  record_walk_ = walk(list_arguments("ListRecords"), pages);
  for (const ListWalk* walked : {&identifier_walk_, &record_walk_}) {
    if (!walked->first_error.empty())
      report_.fail(
          "lists.tokens",
          walked->verb + " metadataPrefix=" + options_.prefix + " answered " + walked->first_error,
          walked->first_request);
  }
  for (const auto& record : record_walk_.items) listed_.emplace(record.identifier, record);
  compare_identifiers_and_records();
  if (record_walk_.items.empty() || identifier_walk_.items.empty()) {
    report_.skip("lists.from-until", "the list is empty");
    report_.skip("lists.set", "the list is empty");
    return;
  }
  from_until();
  set_selection();
  other_formats();
  advice();
}

void Run::from_until() {
  // ListIdentifiers is asked, so its own datestamps are the ones to select by.
  const auto& headers = identifier_walk_.items;
  const store::HarvestedRecord& sample = headers[headers.size() / 2];
  const auto datestamp = oai::Datestamp::parse(sample.datestamp);
  if (!datestamp) {
    report_.skip("lists.from-until", "the sample datestamp '" + sample.datestamp + "' is not one");
    return;
  }
  std::vector<std::string> bounds = {
      datestamp->with_granularity(oai::Granularity::kDay).to_string()};
  if (granularity_ == oai::Granularity::kSeconds &&
      datestamp->granularity() == oai::Granularity::kSeconds)
    bounds.push_back(datestamp->to_string());
  for (const auto& bound : bounds) {
    Arguments arguments = {{"verb", "ListIdentifiers"}, {"metadataPrefix", options_.prefix}};
    arguments.emplace_back("from", bound);
    arguments.emplace_back("until", bound);
    const ListWalk walked = walk(arguments, 3);
    const auto window = oai::Datestamp::parse(bound);
    bool found = false, outside = false;
    for (const auto& header : walked.items) {
      found = found || header.identifier == sample.identifier;
      const auto stamp = oai::Datestamp::parse(header.datestamp);
      if (stamp &&
          (stamp->last_second() < window->first_second() ||
           stamp->first_second() > window->last_second()) &&
          !outside) {
        report_.fail("lists.from-until",
                     "from=" + bound + "&until=" + bound + " gave " + header.identifier +
                         " with datestamp " + header.datestamp,
                     walked.first_request);
        outside = true;
      }
    }
    if (!found && (walked.complete || walked.empty))
      report_.fail("lists.from-until",
                   "from=" + bound + "&until=" + bound + " left out " + sample.identifier +
                       " (datestamp " + sample.datestamp + "): the bounds must be inclusive",
                   walked.first_request);
    else if (!outside)
      report_.pass("lists.from-until", "from=until=" + bound + ": inclusive and selective");
  }
}

void Run::set_selection() {
  std::map<std::string, int> members;
  for (const auto& record : record_walk_.items)
    for (const auto& spec : record.set_specs) ++members[spec];
  std::string chosen = options_.set;
  if (chosen.empty()) {
    int fewest = 0;
    for (const auto& [spec, count] : members) {
      if (count < static_cast<int>(record_walk_.items.size()) && (fewest == 0 || count < fewest)) {
        fewest = count;
        chosen = spec;
      }
    }
  }
  if (chosen.empty()) {
    report_.skip("lists.set", "no listed record is in a set that not every record is in");
    return;
  }
  Arguments arguments = {{"verb", "ListIdentifiers"}, {"metadataPrefix", options_.prefix}};
  arguments.emplace_back("set", chosen);
  const ListWalk walked = walk(arguments, 3);
  for (const auto& header : walked.items) {
    if (header.deleted) continue;  // deleted headers may omit their sets
    const bool covered =
        std::any_of(header.set_specs.begin(), header.set_specs.end(),
                    [&](const auto& spec) { return oai::set_covers(chosen, spec); });
    if (!covered) {
      report_.fail("lists.set",
                   "set=" + chosen + " gave " + header.identifier + ", whose sets are " +
                       joined(header.set_specs),
                   walked.first_request);
      return;
    }
  }
  if (walked.empty && members.count(chosen) > 0) {
    report_.fail("lists.set",
                 "set=" + chosen + " gave noRecordsMatch, but listed records are in it",
                 walked.first_request);
    return;
  }
  report_.pass("lists.set", "set=" + chosen + " gave only its own items", walked.first_request);
}

void Run::other_formats() {
  int asked = 0;
  for (const auto& format : formats_) {
    if (format.metadata_prefix == options_.prefix || asked == 3 || session_.remaining() < 40)
      continue;
    ++asked;
    walk({{"verb", "ListRecords"}, {"metadataPrefix", format.metadata_prefix}}, 1);
  }
}

void Run::advice() {
  const store::HarvestedRecord* untitled = nullptr;
  const store::HarvestedRecord* unlinked = nullptr;
  int dc_records = 0;
  for (const auto& record : record_walk_.items) {
    if (record.deleted || record.dc.empty()) continue;
    ++dc_records;
    bool title = false, identifier = false, link = false;
    for (const auto& element : record.dc) {
      title = title || element.element == "title";
      identifier = identifier || element.element == "identifier";
      link = link || (element.element == "identifier" && resolvable(element.value));
    }
    if ((!title || !identifier) && untitled == nullptr) untitled = &record;
    if (!link && unlinked == nullptr) unlinked = &record;
  }
  if (dc_records == 0) return;
  if (untitled != nullptr)
    report_.warn("harvest.title-identifier",
                 untitled->identifier + " has no dc:title or no dc:identifier",
                 record_walk_.first_request);
  else
    report_.pass("harvest.title-identifier", "records have dc:title and dc:identifier");
  if (unlinked != nullptr)
    report_.warn(
        "harvest.identifier-links",
        unlinked->identifier + " has no dc:identifier that resolves (http, https, doi, ...)",
        record_walk_.first_request);
  else
    report_.pass("harvest.identifier-links", "every record has a resolvable dc:identifier");
}

bool Run::datestamps_look_like_now() const {
  return record_walk_.items.size() >= 10 && record_walk_.dated_now == record_walk_.items.size();
}

void Run::datestamps_advice() {
  if (record_walk_.items.empty()) return;
  // A list whose every datestamp is the moment of its response may just have
  // been written (an aggregator's first harvest); it is the repository's
  // clock only if a later GetRecord moved the datestamp to its own moment.
  if (datestamps_look_like_now() && datestamps_moved_)
    report_.warn("harvest.datestamps",
                 "every datestamp is the moment of its response, and GetRecord moved one "
                 "later: each incremental harvest takes everything again",
                 record_walk_.first_request);
  else
    report_.pass("harvest.datestamps", "datestamps stay put between requests");
}

std::optional<std::vector<std::string>> Run::formats_of(const std::string& identifier) {
  Answer answer = ask({{"verb", "ListMetadataFormats"}, {"identifier", identifier}});
  if (!answer.oai || !answer.oai->errors.empty()) {
    report_.fail(
        "formats.for-identifier",
        "ListMetadataFormats for listed " + identifier + " answered " + answer.error_codes(),
        answer.request, answer.excerpt());
    return std::nullopt;
  }
  std::vector<std::string> prefixes;
  for (const auto& format : answer.oai->formats) {
    prefixes.push_back(format.metadata_prefix);
    const bool known = std::any_of(formats_.begin(), formats_.end(), [&](const auto& all) {
      return all.metadata_prefix == format.metadata_prefix;
    });
    if (!known) {
      report_.fail("formats.for-identifier",
                   "ListMetadataFormats for " + identifier + " lists " + format.metadata_prefix +
                       ", which the list of all formats does not",
                   answer.request);
    }
  }
  if (std::find(prefixes.begin(), prefixes.end(), options_.prefix) == prefixes.end()) {
    report_.fail("formats.for-identifier",
                 identifier + " was listed in " + options_.prefix +
                     ", but its ListMetadataFormats does not list " + options_.prefix,
                 answer.request);
  } else {
    report_.pass("formats.for-identifier", "a listed item's formats: " + joined(prefixes));
  }
  return prefixes;
}

void Run::formats_for_identifier() {
  Answer answer =
      ask({{"verb", "ListMetadataFormats"}, {"identifier", "oai:validator.invalid:no-such-item"}});
  if (answer.is_error("idDoesNotExist"))
    report_.pass("formats.for-identifier", "an unknown identifier gives idDoesNotExist");
  else
    report_.fail(
        "formats.for-identifier",
        "an unknown identifier was answered " + answer.error_codes() + " instead of idDoesNotExist",
        answer.request, answer.excerpt());
}

void Run::post_get_record(const Answer& get) {
  const auto& record = get.oai->records.front();
  Answer post = ask({{"verb", "GetRecord"},
                     {"identifier", record.identifier},
                     {"metadataPrefix", options_.prefix}},
                    true);
  if (post.oai && post.oai->errors.empty() && post.oai->records.size() == 1 &&
      post.oai->records.front().identifier == record.identifier &&
      post.oai->records.front().metadata == record.metadata)
    report_.pass("http.post", "POST verb=GetRecord answered like GET", post.request);
  else
    report_.fail("http.post", "POST verb=GetRecord answered " + post.error_codes(), post.request,
                 post.excerpt());
}

void Run::get_records() {
  std::vector<const store::HarvestedRecord*> samples;
  const auto& items = record_walk_.items;
  const auto live =
      std::find_if(items.begin(), items.end(), [](const auto& r) { return !r.deleted; });
  const auto deleted =
      std::find_if(items.begin(), items.end(), [](const auto& r) { return r.deleted; });
  if (live != items.end()) samples.push_back(&*live);
  if (deleted != items.end()) samples.push_back(&*deleted);
  if (items.size() > 2 && !items.back().deleted && &items.back() != samples.front())
    samples.push_back(&items.back());
  // Datestamps that all read "now" are asked again in a later second.
  if (datestamps_look_like_now()) std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  if (samples.empty()) {
    report_.skip("getrecord.formats", "no record was listed");
    report_.skip("getrecord.header", "no record was listed");
    return;
  }
  for (const store::HarvestedRecord* sample : samples) {
    const auto prefixes = formats_of(sample->identifier);
    if (!prefixes) continue;
    for (const auto& prefix : *prefixes) {
      Answer answer = ask(
          {{"verb", "GetRecord"}, {"identifier", sample->identifier}, {"metadataPrefix", prefix}});
      if (!answer.oai || !answer.oai->errors.empty() || answer.oai->records.size() != 1) {
        report_.fail("getrecord.formats",
                     "GetRecord of " + sample->identifier + " in " + prefix +
                         ", a format listed for it, answered " +
                         (answer.oai && answer.oai->errors.empty()
                              ? std::to_string(answer.oai->records.size()) + " records"
                              : answer.error_codes()),
                     answer.request, answer.excerpt());
        continue;
      }
      report_.pass("getrecord.formats", "GetRecord answers listed items in their formats");
      if (sample == samples.front() && prefix == options_.prefix && wants(Group::kHttp))
        post_get_record(answer);
      check_records(answer, prefix);
      const auto& got = answer.oai->records.front();
      if (prefix != options_.prefix) continue;
      auto a = got.set_specs, b = sample->set_specs;
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      const auto stamp = oai::Datestamp::parse(got.datestamp);
      const auto moment = oai::Datestamp::parse(answer.oai->response_date);
      if (got.datestamp != sample->datestamp && stamp && moment &&
          std::abs(stamp->unix_seconds() - moment->unix_seconds()) <= 1)
        datestamps_moved_ = true;
      if (got.identifier != sample->identifier || got.datestamp != sample->datestamp ||
          got.deleted != sample->deleted || a != b)
        report_.fail("getrecord.header",
                     "GetRecord gives " + describe_header(got) + ", ListRecords gave " +
                         describe_header(*sample),
                     answer.request);
      else
        report_.pass("getrecord.header", "GetRecord headers equal the list's");
    }
  }
}

}  // namespace validator
