#include "proxy/route_target.hpp"

#include "routing/next_hop.hpp"
#include "sip/uri.hpp"

namespace sipproxy::proxy {

step_result to_member(request_context& ctx, const routing::server_pair& pair, bool in_dialog,
                      const proxy_env& env) {
  const routing::member* m =
      in_dialog ? env.servers.dialog_member(pair) : env.servers.active_member(pair);
  if (!m) {
    ctx.respond(503, "Service Unavailable (SIP Server " + pair.name + " is out of service)",
                "Retry-After: 5\r\n");
    return step_result::done;
  }
  ctx.target_pair = &pair;
  ctx.next_hop = m->address;
  return step_result::routed;
}

step_result to_uri(request_context& ctx, std::string_view text, const proxy_env& env) {
  auto u = sip::parse_uri(text);
  if (!u) {
    ctx.respond(416, "Unsupported URI Scheme (next hop is not a SIP URI)");
    return step_result::done;
  }
  auto hop = routing::next_hop(*u, env.hosts);
  if (!hop) {
    std::string t = u->transport();
    if (t != "udp" && t != "tcp" && t != "tls") {
      ctx.respond(503, "Service Unavailable (transport " + t + " is not supported)");
      return step_result::done;
    }
    auto hops =
        env.hosts.cached_hops(routing::host_table::hop_key(*u), routing::host_table::clock::now());
    if (hops.empty()) {
      // A host name: the proxy resolves it (DNS) before forwarding.
      ctx.resolve_uri = std::string(text);
      return step_result::routed;
    }
    hop = hops.front();
    ctx.alternatives.assign(hops.begin() + 1, hops.end());
  }
  ctx.next_hop = hop;
  ctx.target_pair = env.servers.pair_at(hop->address, hop->port);
  return step_result::routed;
}

}  // namespace sipproxy::proxy
