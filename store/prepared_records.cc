#include "store/prepared_records.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>

#include "oai/namespaces.h"

namespace store {

std::string content_hash(bool deleted, std::vector<std::string> sets, std::string_view metadata,
                         std::string_view about) {
  std::sort(sets.begin(), sets.end());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    throw StoreError("cannot start SHA-256");
  }
  // Each part ends with a NUL, which XML text cannot contain, so no two
  // different records hash the same input.
  auto add = [&](std::string_view part) {
    EVP_DigestUpdate(context.get(), part.data(), part.size());
    EVP_DigestUpdate(context.get(), "", 1);
  };
  add(deleted ? "deleted" : "live");
  for (const auto& set : sets) add(set);
  add("");
  add(metadata);
  add(about);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest.data(), &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

namespace {

std::string record_hash(const HarvestedRecord& record) {
  return content_hash(record.deleted, record.set_specs, record.metadata, record.about);
}

TextColumns fts_columns(const std::vector<DcElement>& elements) {
  TextColumns columns;
  std::array<bool, 5> started{};
  for (const auto& element : elements) {
    std::size_t column = 4;
    if (element.element == "title")
      column = 0;
    else if (element.element == "creator")
      column = 1;
    else if (element.element == "subject")
      column = 2;
    else if (element.element == "description")
      column = 3;
    if (started[column]) columns[column] += '\n';
    started[column] = true;
    columns[column] += element.value;
  }
  return columns;
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;  // UTF-8 passes through
    }
  }
  out += '"';
}

}  // namespace

std::string dc_json(const std::vector<DcElement>& elements) {
  std::string json = "[";
  for (const auto& element : elements) {
    if (json.size() > 1) json += ',';
    json += '[';
    append_json_string(json, element.element);
    json += ',';
    append_json_string(json, element.value);
    json += ',';
    if (element.lang.empty())
      json += "null";
    else
      append_json_string(json, element.lang);
    json += ']';
  }
  json += ']';
  return json;
}

const PreparedRecords& prepared_of(const HarvestedPage& page, PreparedRecords& owned) {
  if (page.prepared && page.prepared->records.size() == page.records.size()) return *page.prepared;
  owned = prepare(page.records);
  return owned;
}

PreparedRecords prepare(const std::vector<HarvestedRecord>& records) {
  PreparedRecords prepared;
  prepared.records.reserve(records.size());
  for (const auto& record : records) {
    PreparedRecords::Record& out = prepared.records.emplace_back();
    out.hash = record_hash(record);
    if (!record.deleted && !record.dc.empty()) {
      out.dc_json = dc_json(record.dc);
      out.text = fts_columns(record.dc);
    }
  }
  return prepared;
}

std::string split_words(std::string_view text) {
  std::string words(text);
  for (char& c : words) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80 && !std::isalnum(byte)) c = ' ';
  }
  return words;
}

void check_dublin_core(const HarvestedRecord& record) {
  for (const auto& element : record.dc) {
    if (std::find(std::begin(oai::kDcElements), std::end(oai::kDcElements), element.element) ==
        std::end(oai::kDcElements)) {
      throw StoreError("record " + record.identifier + ": '" + element.element +
                       "' is not a Dublin Core element");
    }
  }
}

void prepare_page(HarvestedPage& page) {
  page.prepared = std::make_shared<const PreparedRecords>(prepare(page.records));
}

}  // namespace store
