// The error type of the store module.
#ifndef STORE_STORE_ERROR_H_
#define STORE_STORE_ERROR_H_

#include <stdexcept>

namespace store {

// Thrown by every store function that fails: SQLite errors, constraint
// violations, a store of a newer schema. The message is meant for people.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace store

#endif  // STORE_STORE_ERROR_H_
