#include "proxy/aor.hpp"
#include "proxy/steps.hpp"
#include "sip/name_addr.hpp"
#include "sip/text.hpp"

namespace sipproxy::proxy {

namespace {

bool is_message_summary(const sip::message& m) {
  std::string_view event = m.value(sip::header_id::event);
  return sip::iequals(sip::trim(event.substr(0, event.find(';'))), "message-summary");
}

std::string from_aor(const sip::message& m, const proxy_env& env) {
  auto na = sip::parse_name_addr(m.value(sip::header_id::from));
  auto u = na ? sip::parse_uri(na->uri) : std::nullopt;
  return u ? canonical_aor(*u, env.self) : std::string();
}

}  // namespace

step_result route_message_summary(request_context& ctx, const proxy_env& env) {
  // MWI (RFC 3842): a registered endpoint's message-summary SUBSCRIBE goes to the Feature
  // Server.
  const sip::message& out = *ctx.out;
  if (out.method() != "SUBSCRIBE" || !sip::tag_of(out.value(sip::header_id::to)).empty() ||
      !is_message_summary(out))
    return step_result::next;
  if (env.state.shared_storage_down) {
    ctx.respond(503, "Service Unavailable (registration storage unreachable)",
                "Retry-After: 5\r\n");
    return step_result::done;
  }
  if (env.bindings.lookup(from_aor(out, env)).empty()) return step_result::next;
  if (env.state.feature_servers.empty()) {
    ctx.respond(489, "Bad Event (no feature-server-address for message-summary)");
    return step_result::done;
  }
  // A live one, by the load-balancing method; never retried on another (the seed's
  // "does not support the retransmission of SUBSCRIBE messages to another destination").
  const routing::member* fs = env.state.feature_servers.pick(env.selector.method());
  if (!fs) {
    ctx.respond(503, "Service Unavailable (no Feature Server is in service)", "Retry-After: 5\r\n");
    return step_result::done;
  }
  ctx.to_feature_server = true;
  ctx.feature_server = fs->configured;
  ctx.next_hop = fs->address;
  return step_result::routed;
}

}  // namespace sipproxy::proxy
