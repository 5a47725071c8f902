// Serialising one element of a parsed response on its own.
#ifndef OAI_XML_SUBTREE_H_
#define OAI_XML_SUBTREE_H_

#include <libxml/tree.h>

#include <string>
#include <string_view>

namespace oai {

// Writes `element` and its descendants as a standalone XML fragment: every
// namespace the subtree uses but inherits from its ancestors is declared on
// its root, beside the declarations the root itself carries; declarations
// further down stay where they are. Text and attributes are escaped with the
// five predefined entities only; CDATA becomes text. The
// result is deterministic, so serialising a parse of it gives it back.
std::string serialize_subtree(const xmlNode* element);

// The text content of `node` and its descendants, concatenated.
std::string text_content(const xmlNode* node);

// `text` without leading and trailing XML white space.
std::string trim_xml_space(std::string_view text);

}  // namespace oai

#endif  // OAI_XML_SUBTREE_H_
