#include "provider/xml_out.h"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace provider {

using oai::XmlContext;

bool is_clean_xml_text(std::string_view text) {
  const auto* at = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = at + text.size();
  constexpr std::uint64_t kHighBits = 0x8080808080808080;
  constexpr std::uint64_t kAdd0x60 = 0x6060606060606060;  // b < 0x20 iff b + 0x60 < 0x80
  const auto continuation = [](unsigned char byte) { return (byte & 0xC0) == 0x80; };
  while (at < end) {
#if defined(__SSE2__)
    if (end - at >= 16) {
      // Signed: bytes from 0x80 count as negative, so one comparison finds
      // both them and the C0 controls.
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
      if (_mm_movemask_epi8(_mm_cmplt_epi8(bytes, _mm_set1_epi8(0x20))) == 0) {
        at += 16;  // sixteen bytes of 0x20 to 0x7F
        continue;
      }
    }
#endif
    if (end - at >= 8) {
      std::uint64_t word;
      std::memcpy(&word, at, 8);
      if ((word & kHighBits) == 0 && ((word + kAdd0x60) & kHighBits) == kHighBits) {
        at += 8;  // eight bytes of 0x20 to 0x7F
        continue;
      }
    }
    const unsigned char byte = *at;
    if (byte >= 0x20 && byte < 0x80) {
      ++at;
      continue;
    }
    if (byte == '\t' || byte == '\n' || byte == '\r') {
      ++at;
      continue;
    }
    if (byte < 0xC2 || byte > 0xF4) return false;  // C0 controls, stray or overlong lead bytes
    const std::size_t length = byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4;
    if (static_cast<std::size_t>(end - at) < length) return false;
    const unsigned char second = at[1];
    // The second byte's range rules out overlong forms, surrogates and
    // code points above U+10FFFF.
    const unsigned char low = byte == 0xE0 ? 0xA0 : byte == 0xF0 ? 0x90 : 0x80;
    const unsigned char high = byte == 0xED ? 0x9F : byte == 0xF4 ? 0x8F : 0xBF;
    if (second < low || second > high) return false;
    char32_t code_point = byte & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07);
    for (std::size_t i = 1; i < length; ++i) {
      if (!continuation(at[i])) return false;
      code_point = (code_point << 6) | (at[i] & 0x3F);
    }
    if (!oai::is_xml_char(code_point)) return false;  // U+FFFE, U+FFFF
    at += length;
  }
  return true;
}

namespace {

// Which bytes append_escaped() copies as they are: printable ASCII but for
// what XML escapes (and, in attributes, the double quote).
struct PlainBytes {
  constexpr PlainBytes() {
    for (int c = 0x20; c < 0x7F; ++c) text[c] = attribute[c] = true;
    // unsigned char subscripts: clang's -Wchar-subscripts refuses plain char.
    for (const unsigned char c : {'&', '<', '>'}) text[c] = attribute[c] = false;
    attribute[static_cast<unsigned char>('"')] = false;
  }
  bool text[256] = {};
  bool attribute[256] = {};
};
constexpr PlainBytes kPlain;

}  // namespace

void append_escaped(std::string& out, std::string_view text, XmlContext context) {
  const bool* plain = context == XmlContext::kAttribute ? kPlain.attribute : kPlain.text;
  for (const char c : text) {
    if (!plain[static_cast<unsigned char>(c)]) {
      oai::append_xml_escaped(out, text, context);
      return;
    }
  }
  out += text;
}

}  // namespace provider
