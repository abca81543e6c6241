// What the management server asks of the instance it serves. proxy::management implements it.
#pragma once

#include "mgmt/protocol.hpp"

namespace sipproxy::mgmt {

class command_handler {
 public:
  virtual ~command_handler() = default;
  // Answers one authenticated request (ok(...) or refused(...)).
  virtual json handle(const request& r) = 0;
};

}  // namespace sipproxy::mgmt
