// Writes a chain of ListRecords pages of synthetic oai_dc records, and the
// fixture-server rules that serve it (page n answers resumptionToken "page-n").
#ifndef TESTS_SUPPORT_PAGE_CHAIN_H_
#define TESTS_SUPPORT_PAGE_CHAIN_H_

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace testing_support {

// The identifier of record `n` (0-based) of a chain.
inline std::string chain_identifier(int n) { return "oai:chain.example.org:" + std::to_string(n); }

// Writes `pages` files of `per_page` records into `dir` and returns the rules
// for them. Every 10th record of a chain is deleted. `delay_seconds` slows
// each page down, so a test can interrupt a harvest in the middle.
inline nlohmann::json write_page_chain(const std::string& dir, int pages, int per_page,
                                       double delay_seconds = 0) {
  nlohmann::json rules = nlohmann::json::array();
  for (int page = 1; page <= pages; ++page) {
    std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">"
        "<responseDate>2026-11-01T10:00:00Z</responseDate>"
        "<request verb=\"ListRecords\">http://127.0.0.1/oai</request><ListRecords>";
    for (int i = 0; i < per_page; ++i) {
      const int n = (page - 1) * per_page + i;
      const std::string id = chain_identifier(n);
      if (n % 10 == 9) {
        xml += "<record><header status=\"deleted\"><identifier>" + id +
               "</identifier><datestamp>2024-03-01T00:00:00Z</datestamp><setSpec>even</setSpec>"
               "</header></record>";
        continue;
      }
      xml += "<record><header><identifier>" + id +
             "</identifier><datestamp>2024-03-01T00:00:00Z</datestamp><setSpec>" +
             (n % 2 == 0 ? "even" : "odd") +
             "</setSpec></header><metadata><oai_dc:dc "
             "xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" "
             "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>Record number " +
             std::to_string(n) + " &amp; friends</dc:title><dc:creator>Writer, " +
             std::to_string(n % 7) +
             "</dc:creator><dc:date>2024</dc:date></oai_dc:dc>"
             "</metadata></record>";
    }
    const std::string next = page < pages ? "page-" + std::to_string(page + 1) : "";
    xml += "<resumptionToken cursor=\"" + std::to_string((page - 1) * per_page) + "\">" + next +
           "</resumptionToken></ListRecords></OAI-PMH>\n";
    const std::string file = dir + "/page-" + std::to_string(page) + ".xml";
    std::ofstream(file) << xml;
    nlohmann::json match = {{"verb", "ListRecords"}};
    match["resumptionToken"] =
        page == 1 ? nlohmann::json(nullptr) : nlohmann::json("page-" + std::to_string(page));
    rules.push_back({{"match", match},
                     {"responses", {{{"body_file", file}, {"delay_seconds", delay_seconds}}}}});
  }
  return rules;
}

}  // namespace testing_support

#endif  // TESTS_SUPPORT_PAGE_CHAIN_H_
