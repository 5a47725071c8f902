#include "oai/identifier.h"

#include <optional>

namespace oai {
namespace {

bool is_ascii_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

// Lower-case hex is not accepted: OI-2 makes `%3c` invalid.
bool is_upper_hex_digit(char c) { return is_ascii_digit(c) || (c >= 'A' && c <= 'F'); }

// RFC 2396 `unreserved`: the metadataPrefix and setSpec alphabet.
bool is_unreserved(char c) {
  constexpr std::string_view kMarks = "-_.!~*'()";
  return is_ascii_letter(c) || is_ascii_digit(c) || kMarks.find(c) != std::string_view::npos;
}

// RFC 2396 `reserved`.
bool is_reserved(char c) {
  constexpr std::string_view kReserved = ";/?:@&=+$,";
  return kReserved.find(c) != std::string_view::npos;
}

bool is_uric_char(char c) { return is_reserved(c) || is_unreserved(c); }

// Whether `text` holds a well-formed escape `%XX` at `pos`.
bool is_escape_at(std::string_view text, std::size_t pos) {
  return pos + 2 < text.size() && text[pos] == '%' && is_upper_hex_digit(text[pos + 1]) &&
         is_upper_hex_digit(text[pos + 2]);
}

bool is_domain_label(std::string_view label) {
  if (label.empty() || !is_ascii_letter(label.front())) return false;
  for (char c : label) {
    if (!is_ascii_letter(c) && !is_ascii_digit(c) && c != '-') return false;
  }
  return true;
}

}  // namespace

bool is_valid_repository_identifier(std::string_view text) {
  std::size_t labels = 0;
  while (true) {
    const std::size_t dot = text.find('.');
    if (!is_domain_label(text.substr(0, dot))) return false;
    ++labels;
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  return labels >= 2;
}

bool is_valid_local_identifier(std::string_view text) {
  if (text.empty()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_uric_char(text[i])) continue;
    if (!is_escape_at(text, i)) return false;
    i += 2;
  }
  return true;
}

bool is_valid_oai_identifier(std::string_view text) {
  constexpr std::string_view kScheme = "oai:";
  if (!text.starts_with(kScheme)) return false;
  text.remove_prefix(kScheme.size());
  // A namespace-identifier has no colon, so the first one ends it; the
  // local-identifier may hold further colons.
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  return is_valid_repository_identifier(text.substr(0, colon)) &&
         is_valid_local_identifier(text.substr(colon + 1));
}

std::string escape_local_identifier(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c != '%' && is_uric_char(c)) {
      out += c;
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[byte >> 4];
    out += kHex[byte & 0xF];
  }
  return out;
}

std::optional<std::string> unescape_local_identifier(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      if (!is_uric_char(text[i])) return std::nullopt;
      out += text[i];
      continue;
    }
    if (!is_escape_at(text, i)) return std::nullopt;
    const auto digit = [](char c) { return c <= '9' ? c - '0' : c - 'A' + 10; };
    out += static_cast<char>(digit(text[i + 1]) * 16 + digit(text[i + 2]));
    i += 2;
  }
  return out;
}

bool is_valid_metadata_prefix(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_unreserved(c)) return false;
  }
  return true;
}

}  // namespace oai
