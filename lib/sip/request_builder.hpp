// Requests a stateful element derives from one it sent (RFC 3261 §17.1.1.3, §9.1): the
// hop-by-hop ACK for a non-2xx final response and the CANCEL of a pending INVITE.
#pragma once

#include <string>

#include "sip/message.hpp"

namespace sipproxy::sip {

// ACK for `response` (3xx-6xx) to `invite` as it was sent: same Request-URI, top Via,
// Call-ID, From, Route set; To from the response (with its tag); CSeq number with ACK.
std::string build_ack(const message& invite, const message& response);

// CANCEL for `invite` as it was sent: same Request-URI, top Via (so same branch), Call-ID,
// From, To, Route set; CSeq number with CANCEL.
std::string build_cancel(const message& invite);

}  // namespace sipproxy::sip
