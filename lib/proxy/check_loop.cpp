#include "proxy/branch.hpp"
#include "proxy/steps.hpp"
#include "sip/via.hpp"

namespace sipproxy::proxy {

step_result check_loop(request_context& ctx, const proxy_env& env) {
  std::string hash;
  for (const auto& h : ctx.in->headers()) {
    if (h.id != sip::header_id::via) continue;
    auto v = sip::parse_via(h.value);
    if (!v || !env.self.is_own_via(v->host, v->port)) continue;
    std::string_view seen = branch_hash(v->branch());
    if (seen.empty()) continue;
    if (hash.empty()) hash = loop_hash(*ctx.in);
    if (seen == hash) {
      ctx.respond(482);
      return step_result::done;
    }
    // Our Via with another hash: a spiral (the request was retargeted), not a loop.
  }
  return step_result::next;
}

}  // namespace sipproxy::proxy
