// Whole OAI-PMH responses into harvester::read_response, the first code to
// touch what an upstream repository sends. It must either return a Response
// or throw ResponseError: any other exception, crash, leak or hang is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "harvester/response_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  // The HTTP charset only matters for documents that declare none; taking it
  // from the length's parity tries both paths without spending input bytes
  // (which would spoil the seeds, whole real responses).
  const std::string_view charset = size % 2 == 0 ? "" : "ISO-8859-1";
  try {
    const harvester::Response response = harvester::read_response(body, charset);
    // Every record the reader accepted has the identifier it was keyed by.
    for (const auto& record : response.records) {
      if (record.identifier.empty()) __builtin_trap();
    }
  } catch (const harvester::ResponseError&) {
    // Not an OAI-PMH response: the expected answer to most inputs.
  }
  return 0;
}
