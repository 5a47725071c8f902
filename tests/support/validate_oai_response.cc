// validate_oai_response FILE... ('-' reads standard input): checks each
// OAI-PMH response with oai::check_response (the bundled schemas and the rules
// of one document, docs/protocol.md), for the tests' shell scripts.
// Prints "PASS file" or "FAIL file" and one line a finding; exit status 0
// when every file passes, 1 when one does not, 2 on a usage error.
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "oai/response_check.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: validate_oai_response FILE...   ('-' for standard input)\n";
    return 2;
  }
  int failed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string name = argv[i];
    std::string document;
    if (name == "-") {
      document.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
      std::ifstream in(name, std::ios::binary);
      if (!in) {
        std::cout << "FAIL " << name << "\n  cannot read the file\n";
        ++failed;
        continue;
      }
      document.assign(std::istreambuf_iterator<char>(in), {});
    }
    const auto findings = oai::check_response(document);
    std::cout << (findings.empty() ? "PASS " : "FAIL ") << name << "\n";
    for (const auto& finding : findings) {
      std::cout << "  [" << finding.rule << "] " << finding.message << "\n";
    }
    if (!findings.empty()) ++failed;
  }
  std::cout << "validate_oai_response: " << argc - 1 - failed << " valid, " << failed
            << " invalid\n";
  return failed == 0 ? 0 : 1;
}
