// Responses the proxy generates itself (RFC 3261 §8.2.6, §16.7): 100 Trying, errors,
// the answer to OPTIONS addressed to it.
#pragma once

#include <string>
#include <string_view>

#include "sip/message.hpp"

namespace sipproxy::sip {

// The standard reason phrase of a status code ("Not Found"), or "Unknown".
std::string_view default_reason(int status);

// A response to `request`: its Via headers, From, To (with `to_tag` added when the To has
// none and status > 100), Call-ID and CSeq, then `extra` (whole header lines, each ending
// in CRLF), then an empty body.
std::string build_response(const message& request, int status, std::string_view reason = {},
                           std::string_view to_tag = {}, std::string_view extra = {});

}  // namespace sipproxy::sip
