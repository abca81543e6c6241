#include "proxy/steps.hpp"
#include "sip/via.hpp"

namespace sipproxy::proxy {

step_result classify_source(request_context& ctx, const proxy_env& env) {
  std::uint16_t via_port = 0;
  if (const sip::header* top = ctx.in->first(sip::header_id::via)) {
    if (auto v = sip::parse_via(top->value)) via_port = v->port;
  }
  ctx.source_pair = env.servers.pair_of(ctx.from, via_port);
  if (const auto& fs = env.state.feature_server) {
    ctx.from_feature_server =
        ctx.from.address == fs->address &&
        (ctx.from.port == fs->port || ctx.from.proto == transport::protocol::tcp);
  }
  ctx.from_pool_peer = !ctx.source_pair && !ctx.from_feature_server && env.pool.at(ctx.from);
  auto ruri = sip::parse_uri(ctx.in->request_uri());
  ctx.addressed_to_us = ruri && ruri->user.empty() && env.self.is_local(ruri->host, ruri->port) &&
                        ctx.in->count(sip::header_id::route) == 0;
  return step_result::next;
}

}  // namespace sipproxy::proxy
