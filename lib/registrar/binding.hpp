// One registration binding (RFC 3261 §10): an address-of-record, one of its contacts,
// when it expires (absolute time, so every replica agrees), and the flow it came on, so
// an endpoint behind NAT or on TCP is reached the way it registered.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "transport/peer.hpp"

namespace sipproxy::registrar {

using wall_clock = std::chrono::system_clock;

struct binding {
  std::string aor;      // canonical: "sip:user@host"
  std::string contact;  // the contact URI as registered
  wall_clock::time_point expires;
  transport::peer flow;  // transport, source address and port, TCP connection
  std::string instance;  // the proxy application that holds the flow
  std::string call_id;
  std::uint32_t cseq = 0;
};

// "user@host:port" of a SIP URI, lower-cased host, port 5060 when absent: the key that
// matches a Request-URI to a registered contact. Empty when the text is no SIP URI.
std::string contact_key(std::string_view uri);

}  // namespace sipproxy::registrar
