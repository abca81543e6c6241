#include "txn/transaction_key.hpp"

#include "sip/cseq.hpp"
#include "sip/name_addr.hpp"
#include "sip/via.hpp"

namespace sipproxy::txn {

std::optional<std::string> server_key(const sip::message& msg, std::string_view method) {
  const sip::header* top = msg.first(sip::header_id::via);
  if (!top) return std::nullopt;
  auto v = sip::parse_via(top->value);
  auto cs = sip::parse_cseq(msg.value(sip::header_id::cseq));
  if (!v || !cs) return std::nullopt;
  if (method.empty()) method = cs->method;
  if (method == "ACK") method = "INVITE";
  std::string key;
  key.reserve(96);
  if (v->rfc3261_branch()) {
    key.append(v->branch()).append("|").append(v->host).append(":");
    key.append(std::to_string(v->port)).append("|").append(method);
    return key;
  }
  // RFC 2543: Request-URI, From tag, Call-ID, CSeq number, top Via.
  key.append("2543|").append(msg.request_uri()).append("|");
  key.append(sip::tag_of(msg.value(sip::header_id::from))).append("|");
  key.append(msg.value(sip::header_id::call_id)).append("|").append(std::to_string(cs->number));
  key.append("|").append(v->host).append(":").append(std::to_string(v->port)).append("|");
  key.append(v->branch()).append("|").append(method);
  return key;
}

std::optional<std::string> client_key(const sip::message& msg) {
  const sip::header* top = msg.first(sip::header_id::via);
  if (!top) return std::nullopt;
  auto v = sip::parse_via(top->value);
  auto cs = sip::parse_cseq(msg.value(sip::header_id::cseq));
  if (!v || !cs || v->branch().empty()) return std::nullopt;
  std::string key(v->branch());
  key.append("|").append(cs->method);
  return key;
}

}  // namespace sipproxy::txn
