#include "sip/stream_framer.hpp"

#include "sip/cseq.hpp"
#include "sip/header_id.hpp"
#include "sip/text.hpp"

namespace sipproxy::sip {

frame next_frame(std::string_view buffer, std::size_t max_size) {
  frame f;
  // RFC 5626 §4.4.1 keep-alives, and stray CRLFs between messages.
  std::size_t crlf = 0;
  while (crlf < buffer.size() && (buffer[crlf] == '\r' || buffer[crlf] == '\n')) ++crlf;
  if (crlf > 0) {
    f.what = frame::kind::keepalive;
    f.length = crlf;
    return f;
  }
  std::size_t head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (buffer.size() > max_size) {
      f.what = frame::kind::error;
      f.error = "header section exceeds the message size limit";
    }
    return f;
  }
  std::string_view head = buffer.substr(0, head_end + 2);
  std::size_t length = 0;
  bool seen = false;
  std::size_t pos = head.find("\r\n");  // skip the start line
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    std::size_t start = pos + 2;
    std::size_t end = head.find("\r\n", start);
    std::string_view line = head.substr(start, end - start);
    pos = end;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (lookup_header(trim(line.substr(0, colon))) != header_id::content_length) continue;
    auto v = parse_uint(line.substr(colon + 1), 0x7fffffffu);
    if (!v) {
      f.what = frame::kind::error;
      f.error = "malformed Content-Length";
      return f;
    }
    length = *v;
    seen = true;
  }
  if (!seen) {
    // RFC 3261 §18.3: mandatory on streams.
    f.what = frame::kind::error;
    f.error = "missing Content-Length on a stream transport";
    return f;
  }
  std::size_t total = head_end + 4 + length;
  if (total > max_size) {
    f.what = frame::kind::error;
    f.error = "message exceeds the size limit";
    return f;
  }
  if (buffer.size() < total) return f;
  f.what = frame::kind::message;
  f.length = total;
  return f;
}

}  // namespace sipproxy::sip
