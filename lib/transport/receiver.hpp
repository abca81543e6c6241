// What the transport delivers upwards. The transaction layer implements it.
#pragma once

#include <string>

#include "transport/peer.hpp"

namespace sipproxy::transport {

class receiver {
 public:
  virtual ~receiver() = default;
  // One whole message: a datagram, or one Content-Length-framed TCP message.
  virtual void on_message(std::string bytes, const peer& from) = 0;
  // A message to `to` could not be delivered (TCP connect failed or the connection broke
  // with messages queued).
  virtual void on_send_failed(const peer& to) = 0;
};

}  // namespace sipproxy::transport
