#include "proxy/route_target.hpp"
#include "proxy/steps.hpp"
#include "sip/name_addr.hpp"

namespace sipproxy::proxy {

step_result route_standalone(request_context& ctx, const proxy_env& env) {
  // Standalone: the one pair of serving-sipserver takes every request from an endpoint.
  if (!env.settings.standalone()) return step_result::next;
  const routing::server_pair* pair = env.servers.by_name(env.settings.serving_sipserver);
  bool in_dialog = !sip::tag_of(ctx.out->value(sip::header_id::to)).empty();
  ctx.retargetable = !in_dialog;
  return to_member(ctx, *pair, in_dialog, env);
}

}  // namespace sipproxy::proxy
