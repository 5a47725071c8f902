#include "oai/set_spec.h"

#include "oai/identifier.h"

namespace oai {

bool is_valid_set_spec(std::string_view text) {
  while (true) {
    const std::size_t colon = text.find(':');
    // A part has exactly the metadataPrefix alphabet: the XSD gives both the
    // URI unreserved characters.
    if (!is_valid_metadata_prefix(text.substr(0, colon))) return false;
    if (colon == std::string_view::npos) return true;
    text.remove_prefix(colon + 1);
  }
}

bool set_covers(std::string_view requested, std::string_view member) {
  if (!is_valid_set_spec(requested) || !is_valid_set_spec(member)) return false;
  if (!member.starts_with(requested)) return false;
  // Whole parts only: `a` covers `a:b` but not `ab`.
  return member.size() == requested.size() || member[requested.size()] == ':';
}

}  // namespace oai
