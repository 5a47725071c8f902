#include "oai/xml_text.h"

#include <cstring>

namespace oai {
namespace {

// One step of UTF-8 decoding. `length` 0 means the byte at the position does
// not start a well-formed sequence.
struct DecodedChar {
  char32_t code_point;
  std::size_t length;
};

// Decodes strictly by the Unicode well-formed byte sequence table (Unicode
// 15, table 3-7): the narrowed second-byte ranges after E0, ED, F0 and F4 are
// what rule out overlong forms, encoded surrogates and values above U+10FFFF.
DecodedChar decode_utf8(std::string_view text, std::size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) return {lead, 1};
  std::size_t length = 0;
  char32_t code_point = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return {0, 0};
  }
  if (text.size() - pos < length) return {0, 0};
  for (std::size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[pos + i]);
    if (byte < low || byte > high) return {0, 0};
    low = 0x80;
    high = 0xBF;
    code_point = (code_point << 6) | (byte & 0x3F);
  }
  return {code_point, length};
}

// Calls `keep(run)` for every maximal run of legal characters of `text`, in
// order. Returns how many characters or stray bytes it skipped. Each byte of
// an ill-formed sequence counts on its own, because resynchronising a byte at
// a time is the only rule that needs no guess about the intended sequence
// length. Plain ASCII, by far the most common, is checked a byte at a time
// without decoding.
template <typename Keep>
std::size_t for_each_legal_run(std::string_view text, Keep keep) {
  std::size_t dropped = 0;
  std::size_t run = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte >= 0x20 && byte < 0x80) {
      ++pos;
      continue;
    }
    const DecodedChar decoded = decode_utf8(text, pos);
    if (decoded.length != 0 && is_xml_char(decoded.code_point)) {
      pos += decoded.length;
      continue;
    }
    if (pos > run) keep(text.substr(run, pos - run));
    ++dropped;
    pos += decoded.length == 0 ? 1 : decoded.length;
    run = pos;
  }
  if (pos > run) keep(text.substr(run, pos - run));
  return dropped;
}

}  // namespace

std::size_t find_invalid_utf8(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const std::size_t length = decode_utf8(text, pos).length;
    if (length == 0) return pos;
    pos += length;
  }
  return std::string_view::npos;
}

namespace {

// The replacement for an ASCII character in `context`, or empty to copy it.
std::string_view escape_for(char c, XmlContext context) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '\r':  // a raw CR would come back from a parser as LF
      return "&#13;";
    default:
      break;
  }
  if (context == XmlContext::kText) return {};
  // Attribute-value normalisation would turn raw white space into spaces.
  switch (c) {
    case '"':
      return "&quot;";
    case '\t':
      return "&#9;";
    case '\n':
      return "&#10;";
    default:
      return {};
  }
}

}  // namespace

bool is_xml_char(char32_t c) {
  if (c < 0x20) return c == 0x9 || c == 0xA || c == 0xD;
  if (c <= 0xD7FF) return true;
  if (c < 0xE000) return false;
  if (c <= 0xFFFD) return true;
  return c >= 0x10000 && c <= 0x10FFFF;
}

std::size_t remove_illegal_xml_chars(std::string& text) {
  // Compacts in place: the write position never passes the read position, so
  // every kept byte is copied before it could be overwritten.
  std::size_t write = 0;
  const std::size_t dropped = for_each_legal_run(text, [&](std::string_view run) {
    const auto from = static_cast<std::size_t>(run.data() - text.data());
    if (from != write) std::memmove(text.data() + write, run.data(), run.size());
    write += run.size();
  });
  text.resize(write);
  return dropped;
}

std::size_t count_illegal_xml_chars(std::string_view text) {
  return for_each_legal_run(text, [](std::string_view) {});
}

std::size_t append_xml_escaped(std::string& out, std::string_view text, XmlContext context) {
  out.reserve(out.size() + text.size());
  return for_each_legal_run(text, [&](std::string_view run) {
    std::size_t plain = 0;
    for (std::size_t i = 0; i < run.size(); ++i) {
      const std::string_view escaped = escape_for(run[i], context);
      if (escaped.empty()) continue;
      out.append(run.data() + plain, i - plain);
      out += escaped;
      plain = i + 1;
    }
    out.append(run.data() + plain, run.size() - plain);
  });
}

std::string xml_escaped(std::string_view text, XmlContext context) {
  std::string out;
  append_xml_escaped(out, text, context);
  return out;
}

}  // namespace oai
