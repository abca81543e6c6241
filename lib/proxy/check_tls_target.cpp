#include "proxy/steps.hpp"
#include "sip/header_id.hpp"
#include "sip/uri.hpp"

namespace sipproxy::proxy {

namespace {

// Whether `hop` is an endpoint: not a SIP Server, not the Feature Server, not another
// instance of the pool (which reaches the endpoint over the flow it holds, and applies
// this same rule there).
bool endpoint_hop(const request_context& ctx, const transport::peer& hop, const proxy_env& env) {
  if (ctx.to_feature_server) return false;
  if (env.servers.pair_at(hop.address, hop.port)) return false;
  return env.pool.at(hop) == nullptr;
}

}  // namespace

step_result check_tls_target(request_context& ctx, const proxy_env& env) {
  if (!ctx.next_hop) return step_result::next;  // a host name: DNS gives TLS for sips:
  // check_uri_scheme has parsed the Request-URI already: its scheme is enough here.
  bool sips = sip::iequals(sip::uri_scheme(ctx.in->request_uri()), "sips");
  if (!sips && ctx.from.proto != transport::protocol::tls) return step_result::next;
  auto clear_endpoint = [&](const transport::peer& hop) {
    return hop.proto != transport::protocol::tls && endpoint_hop(ctx, hop, env);
  };
  // The other contacts of the AOR that can only be reached in clear are left out.
  std::erase_if(ctx.forks, [&](const fork_target& f) { return clear_endpoint(f.hop); });
  std::erase_if(ctx.alternatives, clear_endpoint);
  if (!clear_endpoint(*ctx.next_hop)) return step_result::next;
  if (!ctx.forks.empty()) {
    ctx.next_hop = ctx.forks.front().hop;
    ctx.out = ctx.forks.front().out;
    ctx.forks.erase(ctx.forks.begin());
    return step_result::next;
  }
  // RFC 5630 §3.1.3: a SIPS request (or one that came over TLS) the proxy can forward
  // only in clear gets 480.
  ctx.respond(480, sips ? "Temporarily Unavailable (sips: target not reachable over TLS)"
                        : "Temporarily Unavailable (request came over TLS; target not reachable "
                          "over TLS)");
  return step_result::done;
}

}  // namespace sipproxy::proxy
