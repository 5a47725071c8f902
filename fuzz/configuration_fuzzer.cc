// TOML text into cli::parse_configuration, the loader behind
// load_configuration. A configuration is written by the operator, not an
// attacker, but a typo must give a ConfigurationError, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/configuration.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const cli::Configuration configuration = cli::parse_configuration(text, "fuzz.toml");
    // Whatever was accepted is usable: every source passes its own check.
    for (const auto& source : configuration.sources) cli::validate_source(source, "fuzz.toml");
  } catch (const cli::ConfigurationError&) {
    // Refused, with a message: the expected answer to most inputs.
  }
  return 0;
}
