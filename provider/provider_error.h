// What the provider module throws for people: a setting it cannot serve
// with, an address it cannot listen on, a key it cannot sign with.
#ifndef PROVIDER_PROVIDER_ERROR_H_
#define PROVIDER_PROVIDER_ERROR_H_

#include <stdexcept>

namespace provider {

class ProviderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace provider

#endif  // PROVIDER_PROVIDER_ERROR_H_
