#include "bench/synthetic_records.h"

#include <array>
#include <cmath>

namespace bench {
namespace {

// SplitMix64: a tiny, well-mixed generator; record n always draws the same values.
class Random {
 public:
  // The seed is mixed first: seeds n and n + 1 must not give one stream
  // shifted by a draw (neighbouring records would share most of their text).
  explicit Random(std::uint64_t seed) : state_(mix(seed + 12345)) {}
  std::uint64_t next() { return mix(state_ += 0x9E3779B97F4A7C15ull); }
  // A uniform value in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

 private:
  static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t state_;
};

// Words of the long tail, drawn by rank with probability about 1 / (rank *
// ln kVocabulary) (Zipf-like, as words of real abstracts): most are rare, so
// a full-text query for one matches a realistic share of the records.
constexpr std::size_t kVocabulary = 30000;

std::size_t zipf_rank(Random& random) {
  static const double log_size = std::log(static_cast<double>(kVocabulary));
  const auto rank = static_cast<std::size_t>(std::exp(random.unit() * log_size)) - 1;
  return rank < kVocabulary ? rank : kVocabulary - 1;
}

constexpr std::array<const char*, 24> kWords = {
    "water",     "climate", "river",       "glacier",  "soil",      "economy",
    "education", "health",  "migration",   "energy",   "policy",    "mountain",
    "network",   "model",   "measurement", "survey",   "analysis",  "history",
    "language",  "culture", "agriculture", "security", "transport", "governance"};
constexpr std::array<const char*, 8> kForeign = {
    "Кыргызстан", "водные ресурсы", "Ελλάδα", "νερό", "日本語の研究", "水資源", "Øresund", "Ça va"};
constexpr std::array<const char*, 10> kSurnames = {"Asanova", "Müller",      "Dupont",  "Ivanov",
                                                   "Tanaka",  "García",      "O'Brien", "Kowalski",
                                                   "Nguyen",  "Papadopoulos"};
constexpr std::array<const char*, 8> kGiven = {"Aida", "Jonas", "Claire", "Pavel",
                                               "Yuki", "Lucía", "Seán",   "Eleni"};

// Half the words from the small common vocabulary, half from the long tail.
void append_words(std::string& out, Random& random, int count) {
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ' ';
    if (random.below(2) == 0)
      out += kWords[random.below(kWords.size())];
    else
      out += vocabulary_word(zipf_rank(random));
  }
}

void element(std::string& out, const char* name, const std::string& text) {
  out += "<dc:";
  out += name;
  out += '>';
  out += text;
  out += "</dc:";
  out += name;
  out += '>';
}

std::string sentence(Random& random, int words) {
  std::string text;
  append_words(text, random, words);
  text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text;
}

void append_payload(std::string& out, std::uint64_t n, Random& random) {
  out +=
      "<metadata><oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" "
      "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/ "
      "http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">";
  element(out, "title", sentence(random, 6) + " &amp; " + kForeign[random.below(kForeign.size())]);
  const std::size_t creators = 1 + random.below(3);
  for (std::size_t i = 0; i < creators; ++i) {
    element(out, "creator",
            std::string(kSurnames[random.below(kSurnames.size())]) + ", " +
                kGiven[random.below(kGiven.size())]);
  }
  for (int i = 0; i < 3; ++i) element(out, "subject", kWords[random.below(kWords.size())]);
  element(out, "description",
          sentence(random, 35) + ". Values &lt; 5 % were excluded; " +
              kForeign[random.below(kForeign.size())] + ".");
  element(out, "description", sentence(random, 20) + ".");
  element(out, "publisher", "Institute of " + sentence(random, 2));
  element(out, "date", std::to_string(1990 + n % 35) + "-0" + std::to_string(1 + n % 9) + "-15");
  element(out, "type", "info:eu-repo/semantics/article");
  element(out, "format", "application/pdf");
  element(out, "identifier", "https://repository.example.org/record/" + std::to_string(n));
  element(out, "identifier", "https://doi.org/10.5555/bench." + std::to_string(n));
  element(out, "language", n % 3 == 0 ? "rus" : "eng");
  element(out, "rights", "CC BY 4.0");
  out += "</oai_dc:dc></metadata>";
}

}  // namespace

// Three consonant-vowel syllables spelling a scrambled `rank`: distinct ranks
// give distinct words of six letters.
std::string vocabulary_word(std::size_t rank) {
  static constexpr char kConsonants[] = "bcdfghjklmnprstvwxyz";
  static constexpr char kVowels[] = "aeiou";
  std::size_t code = (rank * 7919 + 104729) % 1000000;
  std::string word;
  for (int i = 0; i < 3; ++i) {
    const std::size_t syllable = code % 100;
    code /= 100;
    word += kConsonants[syllable / 5];
    word += kVowels[syllable % 5];
  }
  return word;
}

bool is_deleted(std::uint64_t n) { return n % 50 == 17; }

void append_record(std::string& out, std::uint64_t n) {
  Random random(n);
  const std::string datestamp =
      "2024-" + std::string(n % 12 < 9 ? "0" : "") + std::to_string(1 + n % 12) + "-" +
      std::string(n % 28 < 9 ? "0" : "") + std::to_string(1 + n % 28) + "T12:00:00Z";
  out += "<record><header";
  if (is_deleted(n)) out += " status=\"deleted\"";
  out += "><identifier>oai:bench.example.org:" + std::to_string(n) + "</identifier><datestamp>" +
         datestamp + "</datestamp><setSpec>col:" + std::to_string(n % 10) +
         "</setSpec><setSpec>type:article</setSpec></header>";
  if (!is_deleted(n)) append_payload(out, n, random);
  out += "</record>";
}

std::string list_records_page(std::uint64_t first, std::uint64_t count,
                              const std::string& next_token, std::uint64_t complete_list_size) {
  std::string page =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/ "
      "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd\">"
      "<responseDate>2026-11-01T10:00:00Z</responseDate>"
      "<request verb=\"ListRecords\" metadataPrefix=\"oai_dc\">http://127.0.0.1/oai</request>"
      "<ListRecords>";
  for (std::uint64_t n = first; n < first + count; ++n) append_record(page, n);
  page += "<resumptionToken completeListSize=\"" + std::to_string(complete_list_size) +
          "\" cursor=\"" + std::to_string(first) + "\">" + next_token +
          "</resumptionToken></ListRecords></OAI-PMH>\n";
  return page;
}

}  // namespace bench
