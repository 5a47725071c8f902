// setSpec syntax and the set hierarchy (S-2, S-3, S-4).
#ifndef OAI_SET_SPEC_H_
#define OAI_SET_SPEC_H_

#include <string_view>

namespace oai {

// Whether `text` is a setSpec: one or more parts `[A-Za-z0-9-_.!~*'()]+`
// joined by single colons (S-2). Empty parts (`a::b`, `:a`, `a:`) are invalid.
bool is_valid_set_spec(std::string_view text);

// Whether a request for set `requested` includes a record that is a member of
// `member` (S-3): true when they are equal or `member` lies below `requested`
// in the hierarchy, matching whole parts: `a` covers `a` and `a:b:c`, not `ab`
// or `ab:c`. Both must be valid setSpecs.
bool set_covers(std::string_view requested, std::string_view member);

}  // namespace oai

#endif  // OAI_SET_SPEC_H_
