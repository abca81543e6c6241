// libFuzzer target: the SIP parser and every header helper the request path applies to
// what a socket delivers. Whatever the bytes, nothing may crash, hang or leak, and a
// message the parser accepts must serialise to bytes that parse again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "sip/cseq.hpp"
#include "sip/name_addr.hpp"
#include "sip/parser.hpp"
#include "sip/uri.hpp"
#include "sip/via.hpp"

using namespace sipproxy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = sip::parse(std::string(reinterpret_cast<const char*>(data), size));
  if (!r.msg) return 0;
  const sip::message& m = *r.msg;
  (void)sip::parse_uri(m.request_uri());
  for (const auto& h : m.headers()) {
    (void)sip::parse_via(h.value);
    (void)sip::parse_name_addr(h.value);
    (void)sip::tag_of(h.value);
    (void)sip::parse_cseq(h.value);
    (void)sip::parse_uri(h.value);
    (void)sip::parse_uint(h.value, 0xffffffffu);
  }
  if (auto v = m.first(sip::header_id::via)) {
    if (auto via = sip::parse_via(v->value))
      (void)sip::stamp_received(v->value, *via, "192.0.2.1", 5060);
  }
  // What forwarding does: derive, edit, serialise; the result must parse again.
  auto out = m.derive();
  out->insert_top(sip::header_id::via, "SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKfuzz");
  out->insert_top(sip::header_id::record_route, "<sip:192.0.2.9:5060;lr>");
  out->remove_first(sip::header_id::route);
  std::string bytes = out->serialize();
  if (r.error_status == 0) {
    auto again = sip::parse(bytes);
    if (!again.msg) std::abort();  // we produced something that is not SIP
  }
  return 0;
}
