// What every subcommand throws when it was asked for something it cannot do
// as asked: main() prints "oaipmh <subcommand>: <message>" and exits 2.
#ifndef CLI_USAGE_ERROR_H_
#define CLI_USAGE_ERROR_H_

#include <stdexcept>

namespace cli {

// A command line that cannot be run: options that exclude each other, a
// value of the wrong form, something required missing. The message says
// which and what to give instead.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace cli

#endif  // CLI_USAGE_ERROR_H_
