#include "proxy/related_pair.hpp"
#include "proxy/route_target.hpp"
#include "proxy/steps.hpp"
#include "sip/name_addr.hpp"

namespace sipproxy::proxy {

step_result route_cluster(request_context& ctx, const proxy_env& env) {
  // Cluster: the pair of a related session, else the load balancer's choice (recorded,
  // so that the rest of the call follows it).
  const sip::message& out = *ctx.out;
  if (const routing::server_pair* pair = affine_pair(out, env))
    return to_member(ctx, *pair, true, env);
  const routing::server_pair* pair = env.selector.pick();
  if (!pair) {
    ctx.respond(503, "Service Unavailable (no SIP Server pair is available)", "Retry-After: 5\r\n");
    return step_result::done;
  }
  bool in_dialog = !sip::tag_of(out.value(sip::header_id::to)).empty();
  ctx.retargetable = !in_dialog;
  env.sessions.record(routing::call_session_key(out.value(sip::header_id::call_id)), pair->index);
  return to_member(ctx, *pair, in_dialog, env);
}

}  // namespace sipproxy::proxy
