#include "proxy/steps.hpp"

namespace sipproxy::proxy {

step_result resolve_next_hop(request_context& ctx, const proxy_env& env) {
  if (ctx.next_hop || ctx.resolve_uri.empty()) return step_result::next;
  // The core asks DNS for resolve_uri (RFC 3263) and resumes here with the answer.
  if (!ctx.resolved) return step_result::waiting;
  if (ctx.resolved->empty()) {
    ctx.respond(503, "Service Unavailable (cannot resolve " + ctx.resolve_uri + ")");
    return step_result::done;
  }
  const std::vector<transport::peer>& hops = *ctx.resolved;
  ctx.next_hop = hops.front();
  // RFC 3263 §4.3: the others are tried in order when it answers 503 or cannot be reached.
  ctx.alternatives.assign(hops.begin() + 1, hops.end());
  ctx.target_pair = env.servers.pair_at(ctx.next_hop->address, ctx.next_hop->port);
  return step_result::next;
}

}  // namespace sipproxy::proxy
