#include "sip/parser.hpp"

#include <charconv>
#include <string>

#include "sip/cseq.hpp"
#include "sip/name_addr.hpp"
#include "sip/text.hpp"
#include "sip/uri.hpp"

namespace sipproxy::sip {

namespace {

// One line of the header section, without its terminator.
struct line_cursor {
  std::string_view text;
  std::size_t pos = 0;

  bool done() const { return pos >= text.size(); }

  // Next line; accepts CRLF and, leniently, a bare LF.
  std::string_view next() {
    std::size_t end = text.find('\n', pos);
    std::size_t stop = (end == std::string_view::npos) ? text.size() : end;
    std::string_view line = text.substr(pos, stop - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = (end == std::string_view::npos) ? text.size() : end + 1;
    return line;
  }

  bool next_is_continuation() const { return !done() && is_wsp(text[pos]); }
};

bool is_sip_version(std::string_view v) {
  return iequals(v, "SIP/2.0");
}

bool looks_like_version(std::string_view v) {
  return v.size() >= 4 && iequals(v.substr(0, 4), "SIP/");
}

// RFC 3261 §25.1: Request-URI = SIP-URI / SIPS-URI / absoluteURI: "scheme:" and more, no
// angle brackets, quotes or white space (an unknown scheme is the proxy's 416, not a 400).
bool looks_like_uri(std::string_view uri) {
  std::string_view scheme = uri_scheme(uri);
  if (scheme.empty() || scheme.size() + 1 == uri.size()) return false;
  for (char c : uri) {
    // Octets outside US-ASCII are %HH escaped in a URI (§19.1.2, §25.1).
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '<' || c == '>' || c == '"' || u <= ' ' || u >= 0x7f) return false;
  }
  return true;
}

bool parse_start_line(std::string_view line, message& msg, parse_result& result) {
  if (looks_like_version(line.substr(0, line.find(' ')))) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) return false;
    std::string_view version = line.substr(0, sp1);
    std::string_view rest = line.substr(sp1 + 1);
    std::string_view code_text = rest.substr(0, rest.find(' '));
    if (code_text.size() != 3) return false;
    int code = 0;
    auto [p, ec] = std::from_chars(code_text.data(), code_text.data() + 3, code);
    if (ec != std::errc{} || p != code_text.data() + 3 || code < 100 || code > 699) return false;
    // The SP before the Reason-Phrase is there even when the phrase is empty.
    if (rest.size() < 4) return false;
    std::string_view reason = rest.substr(4);
    msg.set_status_line(version, code, reason);
    if (!is_sip_version(version)) {
      result.error_status = 505;
      result.error_reason = "Version Not Supported";
    }
    return true;
  }
  // Request-Line = Method SP Request-URI SP SIP-Version
  std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  std::string_view method = line.substr(0, sp1);
  std::string_view uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method)) return false;
  msg.set_request_line(method, uri, version);
  if (uri.empty() || version.find(' ') != std::string_view::npos || uri.find('\t') != uri.npos) {
    result.error_status = 400;
    result.error_reason = "Malformed Request-Line";
  } else if (!looks_like_uri(uri)) {
    result.error_status = 400;
    result.error_reason = "Malformed Request-URI";
  } else if (!is_sip_version(version)) {
    if (looks_like_version(version)) {
      result.error_status = 505;
      result.error_reason = "Version Not Supported";
    } else {
      result.error_status = 400;
      result.error_reason = "Malformed Request-Line";
    }
  }
  return true;
}

void fail(parse_result& r, std::string reason) {
  if (r.error_status == 0) {
    r.error_status = 400;
    r.error_reason = std::move(reason);
  }
}

// Adds one header line (already unfolded) to the message, splitting Via/Route/Record-Route
// lists into one entry each.
bool add_header(message& msg, std::string_view name, std::string_view value, parse_result& r) {
  header_id id = lookup_header(name);
  if (!is_split_list(id)) {
    msg.headers().push_back(header{id, name, value});
    return true;
  }
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = find_unquoted(value, ',', start);
    std::string_view item =
        trim(value.substr(start, comma == std::string_view::npos ? value.npos : comma - start));
    if (item.empty()) {
      fail(r, "Empty entry in " + std::string(canonical_name(id)) + " header");
      return false;
    }
    msg.headers().push_back(header{id, name, item});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return true;
}

// RFC 3261 §25.1: callid = word [ "@" word ]. Dialogs and transactions are matched on it:
// no white space or control octets inside, no empty word, one '@' at most. Other octets
// outside `word` are let through, as before (test_edge_trust.py: UTF-8; test_dn_routing.py:
// ';'), for UAs that are loose with it.
bool is_call_id(std::string_view v) {
  std::size_t at = v.find('@');
  std::string_view first = v.substr(0, at);
  std::string_view second = at == std::string_view::npos ? "x" : v.substr(at + 1);
  if (first.empty() || second.empty()) return false;
  for (std::string_view word : {first, second}) {
    for (char c : word) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u <= ' ' || u == 0x7f || c == '@') return false;
    }
  }
  return true;
}

void validate_request(const message& msg, parse_result& r) {
  if (msg.count(header_id::via) == 0) return fail(r, "Missing Via header");
  if (msg.count(header_id::from) == 0) return fail(r, "Missing From header");
  if (msg.count(header_id::to) == 0) return fail(r, "Missing To header");
  if (msg.count(header_id::call_id) == 0) return fail(r, "Missing Call-ID header");
  if (msg.count(header_id::cseq) == 0) return fail(r, "Missing CSeq header");
  if (msg.count(header_id::call_id) > 1) return fail(r, "Multiple Call-ID headers");
  if (msg.count(header_id::cseq) > 1) return fail(r, "Multiple CSeq headers");
  if (msg.count(header_id::from) > 1) return fail(r, "Multiple From headers");
  if (msg.count(header_id::to) > 1) return fail(r, "Multiple To headers");
  if (trim(msg.value(header_id::call_id)).empty()) return fail(r, "Empty Call-ID header");
  if (!is_call_id(msg.value(header_id::call_id))) return fail(r, "Malformed Call-ID header");
  if (!parse_name_addr(msg.value(header_id::from))) return fail(r, "Malformed From header");
  if (!parse_name_addr(msg.value(header_id::to))) return fail(r, "Malformed To header");
  auto cs = parse_cseq(msg.value(header_id::cseq));
  if (!cs) return fail(r, "Malformed CSeq header");
  if (cs->method != msg.method()) return fail(r, "CSeq method does not match Request-Line");
  if (const header* mf = msg.first(header_id::max_forwards)) {
    if (!parse_uint(mf->value, 255)) return fail(r, "Malformed Max-Forwards header");
  }
}

}  // namespace

parse_result parse(std::string bytes, const parse_limits& limits) {
  parse_result result;
  auto msg = std::make_shared<message>(std::move(bytes));
  std::string_view text = msg->raw();

  // RFC 3261 §7.5: CRLFs before the start line are ignored.
  std::size_t skip = 0;
  while (skip < text.size() && (text[skip] == '\r' || text[skip] == '\n')) ++skip;
  text.remove_prefix(skip);
  if (text.empty()) return result;

  // The header section ends at the first empty line (CRLF CRLF, or leniently LF LF).
  std::size_t crlf_end = text.find("\r\n\r\n");
  std::size_t lf_end = text.find("\n\n");
  std::size_t head_end;
  std::size_t body_start;
  if (crlf_end != std::string_view::npos &&
      (lf_end == std::string_view::npos || crlf_end + 2 <= lf_end)) {
    head_end = crlf_end;
    body_start = crlf_end + 4;
  } else if (lf_end != std::string_view::npos) {
    head_end = lf_end;
    body_start = lf_end + 2;
  } else {
    head_end = text.size();
    body_start = text.size();
  }
  std::string_view head = text.substr(0, head_end);
  std::string_view body = text.substr(body_start);
  // RFC 3261 §7: message = start-line *message-header CRLF [message-body]. Without the
  // empty line the header section may have been cut short (a truncated datagram).
  bool unterminated = head_end == text.size();

  // A NUL on the start line: not SIP, drop. Further down the message can still be
  // answered, and is refused.
  std::size_t nul = head.find('\0');
  if (nul != std::string_view::npos && nul < head.find('\n')) return result;
  if (nul != std::string_view::npos) fail(result, "NUL byte in the header section");
  // A CR belongs to a CRLF line end. A bare one inside the header section is in no rule of
  // RFC 3261 §25.1, and a next hop may read it as the end of a line where we did not:
  // refuse it rather than forward it.
  std::string_view head_and_end = text.substr(0, body_start);
  for (std::size_t cr = head_and_end.find('\r'); cr != std::string_view::npos;
       cr = head_and_end.find('\r', cr + 1)) {
    if (cr + 1 < head_and_end.size() && head_and_end[cr + 1] != '\n') {
      fail(result, "Bare CR in the header section");
      break;
    }
  }

  line_cursor lines{head};
  if (!parse_start_line(lines.next(), *msg, result)) return result;
  if (unterminated) fail(result, "Header section without its empty line");

  while (!lines.done()) {
    std::string_view line = lines.next();
    if (line.empty()) break;
    if (is_wsp(line.front())) {
      fail(result, "Continuation line without a header");
      continue;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      fail(result, "Malformed header line");
      continue;
    }
    std::string_view name = trim(line.substr(0, colon));
    if (!is_token(name)) {
      fail(result, "Malformed header name");
      continue;
    }
    std::string_view value = line.substr(colon + 1);
    if (lines.next_is_continuation()) {
      // Header folding (RFC 3261 §7.3.1): continuation lines join with one space.
      std::string unfolded(trim(value));
      while (lines.next_is_continuation()) {
        std::string_view more = trim(lines.next());
        if (!more.empty()) {
          if (!unfolded.empty()) unfolded.push_back(' ');
          unfolded.append(more);
        }
      }
      value = msg->store(unfolded);
    } else {
      value = trim(value);
    }
    add_header(*msg, name, value, result);
    if (msg->headers().size() > limits.max_headers) {
      result.error_status = 0;
      fail(result, "Too many header fields");
      break;
    }
  }

  // Content-Length decides where the body ends; without it a datagram's body is the rest.
  std::optional<std::uint32_t> length;
  for (const auto& h : msg->headers()) {
    if (h.id != header_id::content_length) continue;
    auto v = parse_uint(h.value, 0x7fffffffu);
    if (!v) {
      fail(result, "Malformed Content-Length header");
    } else if (length && *length != *v) {
      fail(result, "Conflicting Content-Length headers");
    } else {
      length = v;
    }
  }
  if (length) {
    if (*length > body.size()) {
      fail(result, "Content-Length larger than the message body");
    } else {
      body = body.substr(0, *length);
    }
  }
  msg->set_body(body);

  if (msg->is_request()) {
    validate_request(*msg, result);
  } else if (msg->count(header_id::via) == 0 || msg->count(header_id::cseq) != 1 ||
             !parse_cseq(msg->value(header_id::cseq)) || msg->count(header_id::call_id) != 1) {
    // One CSeq and one Call-ID (RFC 3261 §7.3.1: neither is a list): with two, the
    // transaction and the next hop could each match on another.
    fail(result, "Malformed response");
  }
  result.msg = std::move(msg);
  return result;
}

}  // namespace sipproxy::sip
