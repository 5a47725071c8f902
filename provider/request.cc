#include "provider/request.h"

#include <array>
#include <cstddef>
#include <map>

#include "oai/datestamp.h"
#include "oai/identifier.h"
#include "oai/set_spec.h"
#include "oai/xml_text.h"

namespace provider {

using oai::ErrorCode;
using oai::OaiError;
using oai::Verb;

namespace {

constexpr std::string_view kVerbKey = "verb";

// Longer values are cut in messages: a message is for people, and an argument
// may be as long as the request body.
constexpr std::size_t kMaxQuotedBytes = 64;

// ---------------------------------------------------------------- form decoding

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// What a UTF-8 lead byte promises: the sequence length and the range of the
// second byte, which Unicode Table 3-7 narrows to exclude overlong forms,
// encoded surrogates and code points above U+10FFFF. Length 0: not a lead byte.
struct Utf8Lead {
  std::size_t length;
  unsigned char low;
  unsigned char high;
};

Utf8Lead utf8_lead(unsigned char lead) {
  if (lead < 0x80) return {1, 0, 0};
  if (lead >= 0xC2 && lead <= 0xDF) return {2, 0x80, 0xBF};
  if (lead == 0xE0) return {3, 0xA0, 0xBF};  // overlong below U+0800
  if (lead == 0xED) return {3, 0x80, 0x9F};  // surrogates D800-DFFF
  if (lead >= 0xE1 && lead <= 0xEF) return {3, 0x80, 0xBF};
  if (lead == 0xF0) return {4, 0x90, 0xBF};  // overlong below U+10000
  if (lead == 0xF4) return {4, 0x80, 0x8F};  // above U+10FFFF
  if (lead >= 0xF1 && lead <= 0xF3) return {4, 0x80, 0xBF};
  return {0, 0, 0};  // a continuation byte, C0, C1 or F5-FF
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const Utf8Lead lead = utf8_lead(static_cast<unsigned char>(text[i]));
    if (lead.length == 0 || text.size() - i < lead.length) return false;
    for (std::size_t k = 1; k < lead.length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      const unsigned char low = k == 1 ? lead.low : 0x80;
      const unsigned char high = k == 1 ? lead.high : 0xBF;
      if (next < low || next > high) return false;
    }
    i += lead.length;
  }
  return true;
}

// Decodes one key or value exactly once: `%253C` becomes `%3C`, never `<` (OI-4).
std::optional<std::string> form_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::size_t plain = i;  // copied in one piece: most bytes need no decoding
    while (plain < text.size() && text[plain] != '+' && text[plain] != '%') ++plain;
    out.append(text.data() + i, plain - i);
    i = plain;
    if (i == text.size()) break;
    if (text[i] == '+') {
      out += ' ';
    } else {
      if (text.size() - i < 3) return std::nullopt;
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  if (!is_valid_utf8(out)) return std::nullopt;
  return out;
}

// ---------------------------------------------------------------- verb rules

enum class Argument { kIdentifier, kMetadataPrefix, kFrom, kUntil, kSet, kResumptionToken };
constexpr std::size_t kArgumentCount = 6;

constexpr std::array<std::string_view, kArgumentCount> kArgumentNames = {
    "identifier", "metadataPrefix", "from", "until", "set", "resumptionToken"};

// Where each argument lands in an OaiRequest, indexed like kArgumentNames.
constexpr std::array<std::optional<std::string> OaiRequest::*, kArgumentCount> kFields = {
    &OaiRequest::identifier, &OaiRequest::metadata_prefix, &OaiRequest::from, &OaiRequest::until,
    &OaiRequest::set,        &OaiRequest::resumption_token};

constexpr unsigned bit(Argument argument) { return 1U << static_cast<unsigned>(argument); }

constexpr unsigned kListArguments = bit(Argument::kMetadataPrefix) | bit(Argument::kFrom) |
                                    bit(Argument::kUntil) | bit(Argument::kSet) |
                                    bit(Argument::kResumptionToken);

// The arguments each verb allows and requires besides `verb` (V-*). Required
// arguments are waived when resumptionToken is present, since it is exclusive.
struct VerbRule {
  Verb verb;
  unsigned allowed;
  unsigned required;
};

constexpr std::array<VerbRule, 6> kVerbRules = {{
    {Verb::kGetRecord, bit(Argument::kIdentifier) | bit(Argument::kMetadataPrefix),
     bit(Argument::kIdentifier) | bit(Argument::kMetadataPrefix)},
    {Verb::kIdentify, 0, 0},
    {Verb::kListIdentifiers, kListArguments, bit(Argument::kMetadataPrefix)},
    {Verb::kListMetadataFormats, bit(Argument::kIdentifier), 0},
    {Verb::kListRecords, kListArguments, bit(Argument::kMetadataPrefix)},
    {Verb::kListSets, bit(Argument::kResumptionToken), 0},
}};

std::optional<Argument> find_argument(std::string_view key) {
  for (std::size_t i = 0; i < kArgumentCount; ++i) {
    if (kArgumentNames[i] == key) return static_cast<Argument>(i);
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- messages

// `text` in single quotes, cut at a character boundary if long.
std::string quoted(std::string_view text) {
  std::size_t cut = text.size();
  if (cut > kMaxQuotedBytes) {
    cut = kMaxQuotedBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  }
  std::string out;
  out.reserve(cut + 5);
  out += '\'';
  out.append(text.substr(0, cut));
  if (cut < text.size()) out += "...";
  out += '\'';
  return out;
}

OaiError bad_argument(std::string message) {
  return OaiError{ErrorCode::kBadArgument, std::move(message)};
}

// What is wrong with the syntax of a non-empty value, if anything.
std::optional<std::string> syntax_problem(Argument argument, std::string_view value) {
  switch (argument) {
    case Argument::kFrom:
    case Argument::kUntil:
      if (oai::Datestamp::parse(value)) return std::nullopt;
      return std::string(kArgumentNames[static_cast<std::size_t>(argument)]) + " " + quoted(value) +
             " is not a valid date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)";
    case Argument::kMetadataPrefix:
      if (oai::is_valid_metadata_prefix(value)) return std::nullopt;
      return quoted(value) + " is not a valid metadataPrefix (letters, digits and -_.!~*'() only)";
    case Argument::kSet:
      if (oai::is_valid_set_spec(value)) return std::nullopt;
      return quoted(value) +
             " is not a valid setSpec (parts of letters, digits and -_.!~*'() joined by ':')";
    case Argument::kIdentifier:
    case Argument::kResumptionToken:
      break;  // checked against the repository later (E-5, R-5)
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- checks

// The verb's rule, or the one badVerb error to send (H-4).
std::variant<const VerbRule*, OaiError> find_verb(const RawArguments& arguments) {
  const std::string* value = nullptr;
  int count = 0;
  for (const auto& [key, argument_value] : arguments) {
    if (key != kVerbKey) continue;
    if (count++ == 0) value = &argument_value;
  }
  const auto bad_verb = [](std::string message) {
    return OaiError{ErrorCode::kBadVerb, std::move(message)};
  };
  if (count == 0) return bad_verb("the verb argument is missing");
  if (count > 1) return bad_verb("argument 'verb' is repeated");
  if (const auto verb = oai::parse_verb(*value)) {
    for (const VerbRule& rule : kVerbRules) {
      if (rule.verb == *verb) return &rule;
    }
  }
  return bad_verb(quoted(*value) + " is not an OAI-PMH verb (verbs are case-sensitive)");
}

// One key of the request besides verb: how often it came, and its first value.
struct KeyUse {
  std::string_view key;
  std::string_view first_value;
  int count = 0;
};

// The keys other than verb in order of first appearance, so errors come out in
// the order the harvester wrote the arguments.
std::vector<KeyUse> group_by_key(const RawArguments& arguments) {
  std::vector<KeyUse> uses;
  std::map<std::string_view, std::size_t> index;
  for (const auto& [key, value] : arguments) {
    if (key == kVerbKey) continue;
    const auto [it, inserted] = index.try_emplace(key, uses.size());
    if (inserted) uses.push_back(KeyUse{key, value, 0});
    ++uses[it->second].count;
  }
  return uses;
}

// Checks each key on its own (allowed, not repeated, not empty, valid syntax),
// copies the good values into `request`, and returns the set of allowed
// arguments present, whatever their values.
unsigned check_each_key(const VerbRule& rule, const RawArguments& arguments, OaiRequest& request,
                        std::vector<OaiError>& errors) {
  unsigned present = 0;
  for (const KeyUse& use : group_by_key(arguments)) {
    const std::optional<Argument> argument = find_argument(use.key);
    if (!argument || (rule.allowed & bit(*argument)) == 0) {
      errors.push_back(bad_argument("argument " + quoted(use.key) + " is not allowed for verb " +
                                    std::string(oai::to_string(rule.verb))));
      continue;
    }
    present |= bit(*argument);
    if (use.count > 1) {
      errors.push_back(bad_argument("argument " + quoted(use.key) + " is repeated"));
    } else if (use.first_value.empty()) {
      errors.push_back(bad_argument("argument " + quoted(use.key) + " is empty"));
    } else if (oai::count_illegal_xml_chars(use.first_value) > 0) {
      // A NUL or control character: no argument's syntax allows one, and no
      // response could echo it.
      errors.push_back(
          bad_argument("argument " + quoted(use.key) + " holds characters that XML cannot carry"));
    } else if (std::optional<std::string> problem = syntax_problem(*argument, use.first_value)) {
      errors.push_back(bad_argument(std::move(*problem)));
    } else {
      request.*kFields[static_cast<std::size_t>(*argument)] = std::string(use.first_value);
    }
  }
  return present;
}

// resumptionToken is exclusive; without it, required arguments must be present.
void check_presence(const VerbRule& rule, unsigned present, std::vector<OaiError>& errors) {
  const unsigned token = bit(Argument::kResumptionToken);
  if ((present & token) != 0) {
    std::string others;
    for (std::size_t i = 0; i < kArgumentCount; ++i) {
      if ((present & ~token & (1U << i)) == 0) continue;
      others += (others.empty() ? "" : ", ") + quoted(kArgumentNames[i]);
    }
    if (!others.empty()) {
      errors.push_back(bad_argument(
          "resumptionToken must be the only argument besides verb, but came with " + others));
    }
    return;
  }
  for (std::size_t i = 0; i < kArgumentCount; ++i) {
    if ((rule.required & (1U << i)) != 0 && (present & (1U << i)) == 0) {
      errors.push_back(
          bad_argument("required argument " + quoted(kArgumentNames[i]) + " is missing"));
    }
  }
}

// from and until together: one granularity (D-5), from not after until (D-6).
void check_date_range(const OaiRequest& request, std::vector<OaiError>& errors) {
  if (!request.from || !request.until) return;
  // Both passed syntax_problem(), so both parse.
  const oai::Datestamp from = oai::Datestamp::parse(*request.from).value();
  const oai::Datestamp until = oai::Datestamp::parse(*request.until).value();
  if (from.granularity() != until.granularity()) {
    errors.push_back(bad_argument("from " + quoted(*request.from) + " and until " +
                                  quoted(*request.until) + " have different granularities"));
  } else if (from.unix_seconds() > until.unix_seconds()) {
    errors.push_back(bad_argument("from " + quoted(*request.from) + " is later than until " +
                                  quoted(*request.until)));
  }
}

}  // namespace

std::optional<RawArguments> parse_form(std::string_view text) {
  RawArguments arguments;
  while (!text.empty()) {
    const std::size_t amp = text.find('&');
    const std::string_view segment = text.substr(0, amp);
    text.remove_prefix(amp == std::string_view::npos ? text.size() : amp + 1);
    if (segment.empty()) continue;  // "a=1&&b=2", a leading or trailing '&'
    const std::size_t equals = segment.find('=');
    std::optional<std::string> key = form_decode(segment.substr(0, equals));
    std::optional<std::string> value = form_decode(
        equals == std::string_view::npos ? std::string_view() : segment.substr(equals + 1));
    if (!key || !value) return std::nullopt;
    arguments.emplace_back(std::move(*key), std::move(*value));
  }
  return arguments;
}

std::variant<OaiRequest, std::vector<OaiError>> validate_arguments(const RawArguments& arguments) {
  const std::variant<const VerbRule*, OaiError> verb = find_verb(arguments);
  if (const OaiError* error = std::get_if<OaiError>(&verb)) {
    return std::vector<OaiError>{*error};  // nothing else is checked (E-11)
  }
  const VerbRule& rule = *std::get<const VerbRule*>(verb);
  OaiRequest request{rule.verb, {}, {}, {}, {}, {}, {}};
  std::vector<OaiError> errors;
  const unsigned present = check_each_key(rule, arguments, request, errors);
  check_presence(rule, present, errors);
  check_date_range(request, errors);
  if (!errors.empty()) return errors;
  return request;
}

}  // namespace provider
