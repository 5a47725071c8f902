// Text that may go into an XML 1.0 document: character checks and escaping.
#ifndef OAI_XML_TEXT_H_
#define OAI_XML_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace oai {

// Whether code point `c` is a Char of XML 1.0: #x9 | #xA | #xD |
// [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. U+FFFE, U+FFFF,
// surrogates and the C0 controls other than tab, LF and CR are not.
bool is_xml_char(char32_t c);

// Removes from UTF-8 `text`, in place, every character illegal in XML 1.0 and
// every byte that is not part of a well-formed UTF-8 sequence (overlong forms
// and encoded surrogates included). Returns how many characters or stray bytes
// were removed; 0 means `text` is unchanged.
std::size_t remove_illegal_xml_chars(std::string& text);

// How many characters remove_illegal_xml_chars() would remove, without copying.
std::size_t count_illegal_xml_chars(std::string_view text);

// The offset of the first byte of `text` that is not part of a well-formed
// UTF-8 sequence (overlong forms and encoded surrogates included), or npos.
std::size_t find_invalid_utf8(std::string_view text);

// Where escaped text is going: element content, or an attribute value in
// double quotes.
enum class XmlContext { kText, kAttribute };

// Appends `text` (UTF-8) to `out`, escaping `&`, `<`, `>`, CR (which a parser
// would turn into LF) and, in attributes, `"`, tab and LF (which attribute
// normalisation would turn into spaces), and dropping
// what remove_illegal_xml_chars() would remove. Returns how many characters or
// stray bytes were dropped.
std::size_t append_xml_escaped(std::string& out, std::string_view text,
                               XmlContext context = XmlContext::kText);

// Convenience form of append_xml_escaped() that returns the escaped text.
std::string xml_escaped(std::string_view text, XmlContext context = XmlContext::kText);

}  // namespace oai

#endif  // OAI_XML_TEXT_H_
