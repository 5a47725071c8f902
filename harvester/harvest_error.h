// What the harvester throws: one base for every failure of a harvest, with a
// message for people. Each kind below says what went wrong; a source's
// harvest ends with the message of the first it could not recover from.
#ifndef HARVESTER_HARVEST_ERROR_H_
#define HARVESTER_HARVEST_ERROR_H_

#include <stdexcept>

namespace harvester {

class HarvestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace harvester

#endif  // HARVESTER_HARVEST_ERROR_H_
