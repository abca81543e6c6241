#include "proxy/record_route_params.hpp"
#include "proxy/route_target.hpp"
#include "proxy/steps.hpp"
#include "sip/name_addr.hpp"

namespace sipproxy::proxy {

step_result follow_route(request_context& ctx, const proxy_env& env) {
  // Loose routing: a Route left after ours names the next hop (RFC 3261 §16.5, §16.6.6).
  const sip::header* route = ctx.out->first(sip::header_id::route);
  if (!route) return step_result::next;
  auto na = sip::parse_name_addr(route->value);
  if (!na) {
    ctx.respond(400, "Bad Request (malformed Route header)");
    return step_result::done;
  }
  step_result r = to_uri(ctx, na->uri, env);
  bool to_fs =
      ctx.next_hop && env.state.feature_servers.at(ctx.next_hop->address, ctx.next_hop->port);
  // An endpoint may not use the proxy to reach anything but the SIP Servers (and the
  // instances of the pool that its dialogs were record-routed through, at their SIP
  // port, never another port of their host): no open relay.
  const routing::pool_member* member = ctx.next_hop ? env.pool.at(*ctx.next_hop) : nullptr;
  bool to_pool = member && member->sip.port == ctx.next_hop->port;
  // The `flow` Route is for the instances themselves: an endpoint may not forge one.
  auto ru = sip::parse_uri(na->uri);
  bool forged_flow = to_pool && ru && ru->param(flow_param);
  if (!ctx.trusted() && (forged_flow || (!ctx.target_pair && !to_fs && !to_pool))) {
    ctx.respond(403, "Forbidden (relaying to " + std::string(na->uri) + " is not allowed)");
    return step_result::done;
  }
  return r;
}

}  // namespace sipproxy::proxy
