#include "provider/oai_handler.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <variant>

#include "oai/datestamp.h"
#include "oai/namespaces.h"
#include "oai/set_spec.h"
#include "oai/xml_text.h"
#include "provider/record_writer.h"
#include "provider/xml_out.h"

namespace provider {
namespace {

using oai::ErrorCode;
using oai::OaiError;
using oai::Verb;
using oai::XmlContext;
using Errors = std::vector<OaiError>;

constexpr char kEnvelopeStart[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
    "xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/ "
    "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd\">";

std::string datestamp_text(std::int64_t unix_seconds) {
  return oai::Datestamp::from_unix_seconds(unix_seconds).to_string();
}

// The formats we serve: what the store holds, oai_dc always (G-3) and with
// its canonical schema; formats whose schema we do not know are left out,
// since no payload of theirs could carry a schemaLocation (X-14).
std::vector<store::MetadataFormat> served_formats(const store::Store& store) {
  std::vector<store::MetadataFormat> formats;
  formats.push_back({"oai_dc", oai::kOaiDcSchema, oai::kOaiDcNamespace});
  for (auto& format : store.formats()) {
    if (format.metadata_prefix == "oai_dc" || format.schema_url.empty() ||
        format.metadata_namespace.empty()) {
      continue;
    }
    formats.push_back(std::move(format));
  }
  return formats;
}

std::optional<store::MetadataFormat> find_format(const std::vector<store::MetadataFormat>& formats,
                                                 std::string_view prefix) {
  for (const auto& format : formats) {
    if (format.metadata_prefix == prefix) return format;
  }
  return std::nullopt;
}

void append_format(std::string& out, const store::MetadataFormat& format) {
  out += "<metadataFormat>";
  append_element(out, "metadataPrefix", format.metadata_prefix);
  append_element(out, "schema", format.schema_url);
  append_element(out, "metadataNamespace", format.metadata_namespace);
  out += "</metadataFormat>";
}

// One request being answered: its snapshot, its responseDate, its output.
class Answer {
 public:
  Answer(const ProviderSettings& settings, const TokenCodec& tokens, store::Store& store,
         const OaiRequest& request, std::int64_t now)
      : settings_(settings), tokens_(tokens), store_(store), request_(request), now_(now) {}

  // Appends the content of the verb element to `out` and returns no errors,
  // or returns the errors to send instead and leaves `out` as it was. The
  // records of GetRecord and list pages go straight into `out`: a page is
  // 225 KB, and each copy of it costs.
  Errors answer(std::string& out) {
    switch (request_.verb) {
      case Verb::kIdentify:
        return put(identify(), out);
      case Verb::kListMetadataFormats:
        return put(list_metadata_formats(), out);
      case Verb::kListSets:
        return put(list_sets(), out);
      case Verb::kGetRecord:
        return get_record(out);
      case Verb::kListIdentifiers:
      case Verb::kListRecords:
        return list(out);
    }
    return Errors{{ErrorCode::kBadVerb, "unknown verb"}};
  }

  // Records or headers in the answer, for the provider's metrics.
  std::int64_t records_written() const { return records_written_; }

 private:
  static Errors put(std::variant<std::string, Errors> content, std::string& out) {
    if (auto* errors = std::get_if<Errors>(&content)) return std::move(*errors);
    out += std::get<std::string>(content);
    return {};
  }

  // The formats we serve, read once per request.
  const std::vector<store::MetadataFormat>& formats() {
    if (!formats_) formats_ = served_formats(store_);
    return *formats_;
  }

  std::string identify() {
    std::string out;
    append_element(out, "repositoryName", settings_.repository_name);
    append_element(out, "baseURL", settings_.base_url);
    append_element(out, "protocolVersion", "2.0");
    append_element(out, "adminEmail", settings_.admin_email);
    // An empty store's lower bound: every record it ever gets is stamped later.
    append_element(out, "earliestDatestamp",
                   store_.earliest_datestamp().value_or(datestamp_text(now_)));
    append_element(out, "deletedRecord", "persistent");
    append_element(out, "granularity", "YYYY-MM-DDThh:mm:ssZ");
    append_element(out, "compression", "gzip");
    append_element(out, "compression", "deflate");
    append_identifier_description(out);
    append_friends_description(out);
    return out;
  }

  void append_identifier_description(std::string& out) const {
    out += "<description>";
    append_schema_root(out, "oai-identifier", oai::kOaiIdentifierNamespace,
                       oai::kOaiIdentifierSchema);
    append_element(out, "scheme", "oai");
    append_element(out, "repositoryIdentifier", settings_.repository_identifier);
    append_element(out, "delimiter", ":");
    append_element(out, "sampleIdentifier",
                   our_identifier(settings_.repository_identifier, "source",
                                  "oai:repository.example.org:1234"));
    out += "</oai-identifier></description>";
  }

  void append_friends_description(std::string& out) const {
    out += "<description>";
    append_schema_root(out, "friends", oai::kFriendsNamespace, oai::kFriendsSchema);
    for (const auto& source : store_.sources()) {
      append_element(out, "baseURL", source.upstream_base_url());
    }
    out += "</friends></description>";
  }

  std::variant<std::string, Errors> list_metadata_formats() {
    const auto& formats = this->formats();
    std::vector<store::MetadataFormat> listed = formats;
    if (request_.identifier) {
      const auto item = parse_our_identifier(settings_.repository_identifier, *request_.identifier);
      const auto prefixes = item ? store_.prefixes_of(item->source, item->upstream_identifier)
                                 : std::vector<std::string>{};
      if (prefixes.empty())
        return Errors{{ErrorCode::kIdDoesNotExist, "no item has this identifier"}};
      listed.clear();
      for (const auto& prefix : prefixes) {
        if (auto format = find_format(formats, prefix)) listed.push_back(*format);
      }
      if (listed.empty())
        return Errors{{ErrorCode::kNoMetadataFormats, "the item has no format we can serve"}};
    }
    std::string out;
    for (const auto& format : listed) append_format(out, format);
    return out;
  }

  Errors get_record(std::string& out) {
    const auto format = find_format(formats(), *request_.metadata_prefix);
    const auto item = parse_our_identifier(settings_.repository_identifier, *request_.identifier);
    // The record itself first: when it is there, the item exists, and one
    // query answers.
    const auto record = item && format ? store_.get_record(item->source, item->upstream_identifier,
                                                           *request_.metadata_prefix)
                                       : std::nullopt;
    if (record) {
      append_record(out, *record, context_for(*format));
      records_written_ = 1;
      return {};
    }
    const bool exists =
        item && !store_.prefixes_of(item->source, item->upstream_identifier).empty();
    Errors errors;
    if (!exists) errors.push_back({ErrorCode::kIdDoesNotExist, "no item has this identifier"});
    if (!format)
      errors.push_back({ErrorCode::kCannotDisseminateFormat, "this repository has no such format"});
    if (errors.empty())
      errors.push_back(
          {ErrorCode::kCannotDisseminateFormat, "the item is not available in this format"});
    return errors;
  }

  RecordContext context_for(const store::MetadataFormat& format) const {
    return {settings_.repository_identifier, format.metadata_prefix, format.schema_url,
            format.metadata_namespace};
  }

  // The query of a new list, from the request's arguments.
  std::variant<TokenState, Errors> new_list() {
    TokenState state;
    state.verb = request_.verb;
    state.metadata_prefix = *request_.metadata_prefix;
    state.set = request_.set;
    if (request_.from)
      state.from = oai::Datestamp::parse(*request_.from)
                       ->with_granularity(oai::Granularity::kSeconds)
                       .to_string();
    state.until = request_.until
                      ? datestamp_text(oai::Datestamp::parse(*request_.until)->last_second())
                      : std::string("9999-12-31T23:59:59Z");
    Errors errors;
    if (!find_format(formats(), state.metadata_prefix)) {
      errors.push_back({ErrorCode::kCannotDisseminateFormat, "this repository has no such format"});
    }
    if (request_.set && store_.sources().empty()) {
      errors.push_back({ErrorCode::kNoSetHierarchy, "this repository holds no sets yet"});
    }
    if (!errors.empty()) return errors;
    return state;
  }

  store::RecordQuery query_for(const TokenState& state, int page_size) const {
    store::RecordQuery query;
    query.metadata_prefix = state.metadata_prefix;
    if (state.set) {
      const auto colon = state.set->find(':');
      query.source = state.set->substr(0, colon);
      if (colon != std::string::npos) query.upstream_set = state.set->substr(colon + 1);
    }
    if (state.from) query.from = *state.from;
    query.until = state.until;
    query.after_datestamp = state.last_datestamp;
    query.after_id = state.last_id;
    query.limit = page_size + 1;  // one more tells whether another page follows (R-3)
    query.with_metadata = state.verb == Verb::kListRecords;
    return query;
  }

  Errors list(std::string& out) {
    const bool continuing = request_.resumption_token.has_value();
    TokenState state;
    if (continuing) {
      const auto decoded = tokens_.decode(*request_.resumption_token, now_);
      if (!decoded || decoded->verb != request_.verb) {
        return Errors{
            {ErrorCode::kBadResumptionToken, "the resumption token is invalid or expired"}};
      }
      state = *decoded;
    } else {
      auto fresh = new_list();
      if (std::holds_alternative<Errors>(fresh)) return std::get<Errors>(fresh);
      state = std::get<TokenState>(fresh);
    }
    const bool records = request_.verb == Verb::kListRecords;
    const int page_size = records ? settings_.records_per_page : settings_.identifiers_per_page;
    const auto query = query_for(state, page_size);
    auto rows = store_.list_records(query);
    if (rows.empty()) return Errors{{ErrorCode::kNoRecordsMatch, "no records match the request"}};
    if (!continuing) state.complete_list_size = store_.count_records(query);
    const bool more = static_cast<int>(rows.size()) > page_size;
    if (more) rows.pop_back();
    const auto format = find_format(formats(), state.metadata_prefix);
    const auto context =
        context_for(format.value_or(store::MetadataFormat{state.metadata_prefix, "", ""}));
    for (const auto& row : rows) {
      if (records)
        append_record(out, row, context);
      else
        append_header(out, row, context);
    }
    append_token(out, state, rows, more, continuing);
    records_written_ = static_cast<std::int64_t>(rows.size());
    return {};
  }

  void append_token(std::string& out, TokenState state,
                    const std::vector<store::ServedRecord>& rows, bool more,
                    bool continuing) const {
    const std::int64_t cursor = state.cursor;
    const std::int64_t seen = cursor + static_cast<std::int64_t>(rows.size());
    const std::int64_t size = std::max(state.complete_list_size, seen + (more ? 1 : 0));
    if (!more && !continuing) return;  // the whole list in one response: no token (R-2)
    out += "<resumptionToken";
    if (more) {
      state.last_datestamp = rows.back().datestamp;
      state.last_id = rows.back().id;
      state.cursor = seen;
      state.complete_list_size = size;
      state.expires_at = now_ + settings_.token_lifetime_seconds;
      out += " expirationDate=\"" + datestamp_text(state.expires_at) + "\"";
    }
    out += " completeListSize=\"" + std::to_string(size) + "\" cursor=\"" + std::to_string(cursor) +
           "\"";
    if (!more) {
      out += "/>";
      return;
    }
    out += '>';
    oai::append_xml_escaped(out, tokens_.encode(state));
    out += "</resumptionToken>";
  }

  std::variant<std::string, Errors> list_sets() {
    const auto sources = store_.sources();
    if (sources.empty())
      return Errors{{ErrorCode::kNoSetHierarchy, "this repository holds no sets yet"}};
    std::int64_t offset = 0;
    const bool continuing = request_.resumption_token.has_value();
    if (continuing) {
      const auto decoded = tokens_.decode(*request_.resumption_token, now_);
      if (!decoded || decoded->verb != Verb::kListSets) {
        return Errors{
            {ErrorCode::kBadResumptionToken, "the resumption token is invalid or expired"}};
      }
      offset = decoded->cursor;
    }
    std::vector<std::string> entries;
    std::set<std::string> listed;
    for (const auto& source : sources) {
      entries.push_back(set_entry(
          source.name, source.repository_name.empty() ? source.name : source.repository_name, ""));
      listed.insert(source.name);
    }
    for (const auto& set : store_.sets()) {
      const std::string spec = set.source + ":" + set.set_spec;
      if (!oai::is_valid_set_spec(spec) || listed.count(spec) > 0) continue;
      // A set upstream used in headers without declaring its parents: the
      // hierarchy is still listed whole, each parent named by its path.
      for (auto colon = spec.find(':', set.source.size() + 1); colon != std::string::npos;
           colon = spec.find(':', colon + 1)) {
        const std::string parent = spec.substr(0, colon);
        if (listed.insert(parent).second)
          entries.push_back(set_entry(parent, parent.substr(set.source.size() + 1), ""));
      }
      listed.insert(spec);
      entries.push_back(set_entry(spec, set.set_name, set.descriptions));
    }
    if (offset >= static_cast<std::int64_t>(entries.size())) {
      return Errors{
          {ErrorCode::kBadResumptionToken, "the resumption token is past the end of the list"}};
    }
    const auto end = std::min<std::int64_t>(offset + settings_.sets_per_page, entries.size());
    std::string out;
    for (auto i = offset; i < end; ++i) out += entries[static_cast<std::size_t>(i)];
    append_sets_token(out, offset, end, static_cast<std::int64_t>(entries.size()), continuing);
    return out;
  }

  std::string set_entry(const std::string& spec, const std::string& name,
                        const std::string& descriptions) const {
    std::string out = "<set>";
    append_element(out, "setSpec", spec);
    append_element(out, "setName", name);
    // Upstream descriptions are schema-valid XML elements (S-5); keep them.
    std::string cleaned = descriptions;
    oai::remove_illegal_xml_chars(cleaned);
    if (!cleaned.empty()) out += "<setDescription>" + cleaned + "</setDescription>";
    out += "</set>";
    return out;
  }

  void append_sets_token(std::string& out, std::int64_t offset, std::int64_t end,
                         std::int64_t total, bool continuing) const {
    const bool more = end < total;
    if (!more && !continuing) return;
    out += "<resumptionToken completeListSize=\"" + std::to_string(total) + "\" cursor=\"" +
           std::to_string(offset) + "\"";
    if (!more) {
      out += "/>";
      return;
    }
    TokenState state;
    state.verb = Verb::kListSets;
    state.cursor = end;
    state.complete_list_size = total;
    state.expires_at = now_ + settings_.token_lifetime_seconds;
    out += " expirationDate=\"" + datestamp_text(state.expires_at) + "\">";
    oai::append_xml_escaped(out, tokens_.encode(state));
    out += "</resumptionToken>";
  }

  const ProviderSettings& settings_;
  const TokenCodec& tokens_;
  store::Store& store_;
  const OaiRequest& request_;
  std::int64_t now_;
  std::int64_t records_written_ = 0;
  std::optional<std::vector<store::MetadataFormat>> formats_;  // formats(), once read
};

std::string log_detail(const RawArguments& arguments) {
  std::string detail;
  for (const auto& [key, value] : arguments) {
    if (!detail.empty()) detail += ' ';
    detail += key + "=" + value;
  }
  return detail.empty() ? "-" : detail;
}

bool is_uri_character(unsigned char c) {
  if (c >= 0x80) return true;  // an IRI's: schema validators map them to %-escapes
  if (std::isalnum(c)) return true;
  return std::string_view("-._~:/?#@!$&'()*+,;=%").find(static_cast<char>(c)) !=
         std::string_view::npos;
}

// Whether `text` is a URI reference (RFC 3986) the schema's xs:anyURI takes:
// URI characters only ('[' and ']' left out: they only serve IPv6 hosts),
// '%' followed by two hex digits, one '#' at most, and no ':' in the first
// segment of a reference without a scheme.
bool is_uri_reference(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!is_uri_character(c)) return false;
    if (c == '%' &&
        (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
         !std::isxdigit(static_cast<unsigned char>(text[i + 2])))) {
      return false;
    }
  }
  if (std::count(text.begin(), text.end(), '#') > 1) return false;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon > text.find_first_of("/?#")) return true;
  const std::string_view scheme = text.substr(0, colon);
  const auto scheme_character = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  };
  if (scheme.empty() || !std::isalpha(static_cast<unsigned char>(scheme[0])) ||
      !std::all_of(scheme.begin(), scheme.end(), scheme_character)) {
    return false;  // a first segment with ':' that is no scheme
  }
  if (text.substr(colon + 1, 2) != "//") return true;
  // An authority: its port, after the last ':' past any user info, is digits.
  const std::string_view rest = text.substr(colon + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  const std::string_view host = authority.substr(
      authority.rfind('@') == std::string_view::npos ? 0 : authority.rfind('@') + 1);
  const auto port = host.find(':');
  if (port == std::string_view::npos) return true;
  const std::string_view digits = host.substr(port + 1);
  return std::all_of(digits.begin(), digits.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// The start of the document, up to and including <request>.
void open_document(std::string& out, const ProviderSettings& settings,
                   std::string_view response_date, const RawArguments* echoed) {
  out += kEnvelopeStart;
  append_element(out, "responseDate", response_date);
  out += "<request";
  if (echoed != nullptr) {
    for (const auto& [key, value] : *echoed) {
      // An identifier that is no URI is answered idDoesNotExist (E-5), but
      // echoing it would break the schema's anyURI (X-11): left out.
      if (key == "identifier" && !is_uri_reference(value)) continue;
      out += ' ';
      out += key;
      out += "=\"";
      oai::append_xml_escaped(out, value, XmlContext::kAttribute);
      out += '"';
    }
  }
  out += '>';
  oai::append_xml_escaped(out, settings.base_url);
  out += "</request>";
}

void append_errors(std::string& out, const Errors& errors) {
  for (const auto& error : errors) {
    out += "<error code=\"";
    out += error.code;
    out += "\">";
    oai::append_xml_escaped(out, error.message);
    out += "</error>";
  }
}

constexpr std::string_view kEnvelopeEnd = "</OAI-PMH>\n";

// A whole document of errors (badVerb, badArgument), which echo no arguments (X-10).
std::string error_document(const ProviderSettings& settings, std::string_view response_date,
                           const Errors& errors) {
  std::string out;
  open_document(out, settings, response_date, nullptr);
  append_errors(out, errors);
  out += kEnvelopeEnd;
  return out;
}

// Room for a ListRecords page of records of 2.5 KB (ours are 2.25 KB): the
// document then grows without being copied.
std::size_t expected_size(Verb verb, const ProviderSettings& settings) {
  constexpr std::size_t kEnvelope = 2048;
  switch (verb) {
    case Verb::kListRecords:
      return kEnvelope + static_cast<std::size_t>(settings.records_per_page) * 2560;
    case Verb::kListIdentifiers:
      return kEnvelope + static_cast<std::size_t>(settings.identifiers_per_page) * 256;
    case Verb::kGetRecord:
      return kEnvelope + 4096;
    default:
      return kEnvelope;
  }
}

}  // namespace

OaiHandler::OaiHandler(ProviderSettings settings, TokenCodec tokens, Clock clock)
    : settings_(std::move(settings)), tokens_(std::move(tokens)), clock_(std::move(clock)) {}

OaiReply OaiHandler::undecodable(std::string_view raw) const {
  const Errors errors = {
      {ErrorCode::kBadArgument, "the arguments are not percent-encoded UTF-8 (H-3)"}};
  return {error_document(settings_, datestamp_text(clock_()), errors),
          "undecodable: " + std::string(raw.substr(0, 200))};
}

OaiReply OaiHandler::handle(const RawArguments& arguments, store::Store& store) const {
  const auto validated = validate_arguments(arguments);
  if (const auto* errors = std::get_if<std::vector<OaiError>>(&validated)) {
    // badVerb and badArgument echo no arguments (X-10).
    return {error_document(settings_, datestamp_text(clock_()), *errors), log_detail(arguments)};
  }
  const auto& request = std::get<OaiRequest>(validated);
  store::ReadSnapshot snapshot(store);
  // One second before the snapshot began: a record whose page was stamped
  // just before its commit still has a datestamp no earlier than this
  // responseDate, so a harvester using it as its next from never misses it.
  const std::int64_t now = clock_();
  OaiReply reply;
  std::string& out = reply.body;
  out.reserve(expected_size(request.verb, settings_));
  // Other errors echo the arguments, which are valid by now (X-11).
  open_document(out, settings_, datestamp_text(now - 1), &arguments);
  const std::size_t content_start = out.size();
  const std::string_view verb = to_string(request.verb);
  out += '<';
  out += verb;
  out += '>';
  Answer answer(settings_, tokens_, store, request, now);
  const Errors errors = answer.answer(out);
  snapshot.end();
  if (errors.empty()) {
    out += "</";
    out += verb;
    out += '>';
  } else {
    out.resize(content_start);
    append_errors(out, errors);
  }
  out += kEnvelopeEnd;
  reply.log_detail = log_detail(arguments);
  reply.records = answer.records_written();
  return reply;
}

}  // namespace provider
