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

std::string build_options(std::string_view target, std::string_view transport,
                          std::string_view via_host, std::uint16_t via_port,
                          std::string_view branch, std::string_view call_id, std::uint32_t cseq) {
  std::string port = std::to_string(via_port);
  std::string seq = std::to_string(cseq);
  std::string out;
  out.reserve(400);
  out.append("OPTIONS sip:").append(target).append(" SIP/2.0\r\n");
  out.append("Via: SIP/2.0/").append(transport).append(" ").append(via_host).append(":");
  out.append(port).append(";branch=").append(branch).append("\r\n");
  out.append("Max-Forwards: 70\r\n");
  out.append("From: <sip:sipproxy@").append(via_host).append(":").append(port);
  out.append(">;tag=").append(call_id.substr(0, call_id.find('@'))).append("\r\n");
  out.append("To: <sip:").append(target).append(">\r\n");
  out.append("Call-ID: ").append(call_id).append("\r\n");
  out.append("CSeq: ").append(seq).append(" OPTIONS\r\n");
  out.append("Accept: application/sdp\r\nContent-Length: 0\r\n\r\n");
  return out;
}

}  // namespace sipproxy::sip
