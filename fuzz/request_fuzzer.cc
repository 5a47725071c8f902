// Query strings and POST bodies into provider::parse_form and then
// validate_arguments, the first provider code to touch a client's bytes.
// Besides crashes, checks the promises request.h makes about the result.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "oai/datestamp.h"
#include "oai/identifier.h"
#include "oai/set_spec.h"
#include "provider/request.h"

namespace {

// A broken promise: abort, so libFuzzer keeps the input.
void check(bool condition) {
  if (!condition) __builtin_trap();
}

void check_request(const provider::OaiRequest& request) {
  check(oai::parse_verb(oai::to_string(request.verb)) == request.verb);
  if (request.resumption_token) {
    // then the only argument.
    check(!request.identifier && !request.metadata_prefix && !request.from && !request.until &&
          !request.set);
  }
  if (request.metadata_prefix) check(oai::is_valid_metadata_prefix(*request.metadata_prefix));
  if (request.set) check(oai::is_valid_set_spec(*request.set));
  std::optional<oai::Datestamp> from, until;
  if (request.from) {
    from = oai::Datestamp::parse(*request.from);
    check(from.has_value());
  }
  if (request.until) {
    until = oai::Datestamp::parse(*request.until);
    check(until.has_value());
  }
  if (from && until) {
    check(from->granularity() == until->granularity());    // D-5
    check(from->unix_seconds() <= until->unix_seconds());  // D-6
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::optional<provider::RawArguments> arguments = provider::parse_form(text);
  if (!arguments) return 0;
  const auto result = provider::validate_arguments(*arguments);
  if (const auto* request = std::get_if<provider::OaiRequest>(&result)) {
    check_request(*request);
  } else {
    const auto& errors = std::get<std::vector<oai::OaiError>>(result);
    check(!errors.empty());
    for (const auto& error : errors) {
      check(error.code == "badVerb" || error.code == "badArgument");
      check(!error.message.empty());
      // badVerb comes alone (E-11).
      if (error.code == "badVerb") check(errors.size() == 1);
    }
  }
  return 0;
}
