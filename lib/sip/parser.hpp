// The SIP message parser (RFC 3261 §7, §25). Pure: bytes in, a message or a verdict out,
// no I/O. It accepts what RFC 4475 calls valid-but-odd (folding, compact forms, odd
// spacing, several values per line) and rejects, with a reason fit for a 400 reason
// phrase, what a proxy cannot safely forward.
#pragma once

#include <string>

#include "sip/message.hpp"

namespace sipproxy::sip {

struct parse_limits {
  std::size_t max_headers = 256;  // header field entries, after splitting lists
};

struct parse_result {
  // Null when the bytes are not a SIP message at all (no usable start line or headers):
  // such input is dropped and counted. Otherwise the message, possibly invalid:
  message_ptr msg;
  int error_status = 0;      // 0 valid; 400 or 505 when msg is set but must be refused
  std::string error_reason;  // why, fit for a reason phrase
};

// Parses one message. `bytes` is a whole datagram or one TCP frame; a body longer than
// Content-Length is cut to it (RFC 3261 §18.3), a shorter one is an error.
parse_result parse(std::string bytes, const parse_limits& limits = {});

}  // namespace sipproxy::sip
