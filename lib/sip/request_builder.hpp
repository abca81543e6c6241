// Requests a stateful element derives from one it sent (RFC 3261 §17.1.1.3, §9.1): the
// hop-by-hop ACK for a non-2xx final response and the CANCEL of a pending INVITE.
#pragma once

#include <cstdint>
#include <string>

#include "sip/message.hpp"

namespace sipproxy::sip {

// ACK for `response` (3xx-6xx) to `invite` as it was sent: same Request-URI, top Via,
// Call-ID, From, Route set; To from the response (with its tag); CSeq number with ACK.
std::string build_ack(const message& invite, const message& response);

// CANCEL for `invite` as it was sent: same Request-URI, top Via (so same branch), Call-ID,
// From, To, Route set; CSeq number with CANCEL.
std::string build_cancel(const message& invite);

// An OPTIONS ping (RFC 3261 §11) from this element to `target` ("host:port"), sent over
// `transport` ("UDP"/"TCP") with our Via `via_host:via_port` and `branch`.
std::string build_options(std::string_view target, std::string_view transport,
                          std::string_view via_host, std::uint16_t via_port,
                          std::string_view branch, std::string_view call_id, std::uint32_t cseq);

}  // namespace sipproxy::sip
