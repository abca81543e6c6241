#include "proxy/related_pair.hpp"

#include "sip/text.hpp"

namespace sipproxy::proxy {

namespace {

// The Call-ID an INVITE with Replaces (RFC 3891) refers to, or empty.
std::string_view replaced_call_id(const sip::message& m) {
  for (const auto& h : m.headers()) {
    if (h.id == sip::header_id::other && sip::iequals(h.name, "Replaces"))
      return sip::trim(h.value.substr(0, h.value.find(';')));
  }
  return {};
}

}  // namespace

const routing::server_pair* affine_pair(const sip::message& m, const proxy_env& env) {
  for (std::string_view id : {m.value(sip::header_id::call_id), replaced_call_id(m)}) {
    id = routing::call_session_key(id);
    if (id.empty()) continue;
    if (auto idx = env.sessions.lookup(id)) {
      const routing::server_pair* p = env.servers.by_index(*idx);
      if (p && env.servers.dialog_member(*p)) return p;
    }
  }
  return nullptr;
}

const routing::server_pair* dn_pair(std::string_view dn, const proxy_env& env) {
  auto idx = env.sessions.lookup(routing::dn_session_key(dn));
  const routing::server_pair* p = idx ? env.servers.by_index(*idx) : nullptr;
  return p && env.servers.dialog_member(*p) ? p : nullptr;
}

}  // namespace sipproxy::proxy
