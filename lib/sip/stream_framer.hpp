// Framing of SIP messages on a byte stream (RFC 3261 §18.3): a message ends
// Content-Length bytes after the empty line that closes its headers. Pure; the TCP
// connection feeds it what it reads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sipproxy::sip {

struct frame {
  enum class kind { need_more, message, keepalive, error } what = kind::need_more;
  std::size_t length = 0;  // bytes to consume: the message, or the keep-alive CRLFs
  std::string error;       // why the stream cannot be framed (the connection is closed)
};

// Looks at the start of `buffer`. A message larger than `max_size` is an error.
frame next_frame(std::string_view buffer, std::size_t max_size);

}  // namespace sipproxy::sip
