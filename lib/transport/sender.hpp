// What the transaction layer sends through. The transport manager implements it; tests
// replace it with a recorder.
#pragma once

#include <string_view>

#include "transport/peer.hpp"

namespace sipproxy::transport {

class sender {
 public:
  virtual ~sender() = default;
  // Sends one message. UDP: one datagram; TCP: over `to.connection` when it is open, else
  // any open connection to address:port, else a new one. False when it failed at once.
  virtual bool send(const peer& to, std::string_view bytes) = 0;
};

}  // namespace sipproxy::transport
