#include "sip/request_builder.hpp"

#include "sip/cseq.hpp"

namespace sipproxy::sip {

namespace {

std::string derive(const message& invite, std::string_view method, std::string_view to) {
  std::string out;
  out.reserve(512);
  out.append(method).append(" ").append(invite.request_uri()).append(" SIP/2.0\r\n");
  if (const header* via = invite.first(header_id::via))
    out.append("Via: ").append(via->value).append("\r\n");
  for (const auto& h : invite.headers()) {
    if (h.id == header_id::route) out.append("Route: ").append(h.value).append("\r\n");
  }
  out.append("Max-Forwards: 70\r\n");
  out.append("From: ").append(invite.value(header_id::from)).append("\r\n");
  out.append("To: ").append(to).append("\r\n");
  out.append("Call-ID: ").append(invite.value(header_id::call_id)).append("\r\n");
  auto cs = parse_cseq(invite.value(header_id::cseq));
  out.append("CSeq: ").append(std::to_string(cs ? cs->number : 1)).append(" ").append(method);
  out.append("\r\nContent-Length: 0\r\n\r\n");
  return out;
}

}  // namespace

std::string build_ack(const message& invite, const message& response) {
  return derive(invite, "ACK", response.value(header_id::to));
}

std::string build_cancel(const message& invite) {
  return derive(invite, "CANCEL", invite.value(header_id::to));
}

}  // namespace sipproxy::sip
