#include "proxy/steps.hpp"
#include "sip/via.hpp"

namespace sipproxy::proxy {

step_result classify_source(request_context& ctx, const proxy_env& env) {
  std::uint16_t via_port = 0;
  if (const sip::header* top = ctx.in->first(sip::header_id::via)) {
    if (auto v = sip::parse_via(top->value)) via_port = v->port;
  }
  ctx.source_pair = env.servers.pair_of(ctx.from, via_port);
  // Who sent it is decided from what an endpoint on the same host cannot share: over UDP
  // the source address and port; over TCP the address, and either the connection's port
  // (one the proxy opened to that port) or the port in the top Via's sent-by (the
  // server's configured port; routing::server_table::pair_of does the same for SIP
  // Servers). The source address alone would make a phone on that host the server.
  auto port_matches = [&](std::uint16_t port) {
    return ctx.from.port == port ||
           (ctx.from.proto == transport::protocol::tcp && (via_port ? via_port : 5060) == port);
  };
  for (const auto& fs : env.state.feature_servers.all()) {
    if (ctx.from.address == fs.address.address && port_matches(fs.address.port)) {
      ctx.from_feature_server = true;
      ctx.feature_server = fs.configured;
      break;
    }
  }
  if (!ctx.source_pair && !ctx.from_feature_server) {
    const routing::pool_member* m = env.pool.at(ctx.from);
    ctx.from_pool_peer = m && port_matches(m->sip.port);
  }
  auto ruri = sip::parse_uri(ctx.in->request_uri());
  ctx.addressed_to_us = ruri && ruri->user.empty() && env.self.is_local(ruri->host, ruri->port) &&
                        ctx.in->count(sip::header_id::route) == 0;
  return step_result::next;
}

}  // namespace sipproxy::proxy
