// Keys that match messages to transactions (RFC 3261 §17.1.3, §17.2.3).
#pragma once

#include <optional>
#include <string>

#include "sip/message.hpp"

namespace sipproxy::txn {

// Server side: branch, sent-by and method (ACK counts as INVITE); for a request without an
// RFC 3261 branch, the RFC 2543 fields. `method` overrides the request's own (CANCEL looks
// up its INVITE). nullopt when the top Via or CSeq is unusable.
std::optional<std::string> server_key(const sip::message& msg, std::string_view method = {});

// Client side: our branch and the CSeq method.
std::optional<std::string> client_key(const sip::message& msg);

}  // namespace sipproxy::txn
