#include "proxy/steps.hpp"

namespace sipproxy::proxy {

step_result decide_target(request_context& ctx, const proxy_env& env) {
  for (step rule : routing_rules) {
    step_result r = rule(ctx, env);
    if (r == step_result::routed) return step_result::next;
    if (r != step_result::next) return r;
  }
  // route_standalone or route_cluster always decides; a rule list without them does not.
  ctx.respond(500, "Server Internal Error (no routing rule took the request)");
  return step_result::done;
}

}  // namespace sipproxy::proxy
