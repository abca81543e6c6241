#include <fmt/format.h>

#include <algorithm>

#include "proxy/aor.hpp"
#include "proxy/record_route_params.hpp"
#include "proxy/route_target.hpp"
#include "proxy/steps.hpp"
#include "sip/name_addr.hpp"

namespace sipproxy::proxy {

namespace {

// Whether a binding held by another instance must be reached through it: its flow is a
// TCP connection, or a UDP flow whose source is not the contact (NAT: only the instance
// the endpoint talks to is let through). A plain UDP contact is reached directly.
bool needs_owner(const registrar::binding& b) {
  if (transport::is_stream(b.flow.proto)) return true;
  auto u = sip::parse_uri(b.contact);
  if (!u) return true;
  boost::asio::ip::address a;
  if (!transport::parse_ip(u->host, a)) return true;
  return transport::normalize(a) != b.flow.address || (u->port ? u->port : 5060) != b.flow.port;
}

// The next hop for a binding: its flow, or the instance of the pool that holds it.
void to_binding(request_context& ctx, const registrar::binding& b, const proxy_env& env) {
  ctx.next_hop = b.flow;
  // A request another instance sent us is never sent on to a third (no ping-pong when
  // the replicas briefly disagree about who holds a flow).
  if (ctx.from_pool_peer || b.instance.empty() || b.instance == env.settings.app) return;
  if (!needs_owner(b)) return;
  const routing::pool_member* owner = env.pool.find(b.instance);
  if (!owner) return;
  ctx.next_hop = owner->sip;
  const auto& a = owner->sip.address;
  ctx.out->insert_top(
      sip::header_id::route,
      fmt::format("<sip:{}:{};lr;{}>", a.is_v6() ? "[" + a.to_string() + "]" : a.to_string(),
                  owner->sip.port, flow_param));
}

}  // namespace

step_result route_to_endpoint(request_context& ctx, const proxy_env& env) {
  if (!ctx.trusted()) return step_result::next;
  sip::message& out = *ctx.out;
  if (ctx.source_pair && !env.settings.standalone())
    env.sessions.record(routing::call_session_key(out.value(sip::header_id::call_id)),
                        ctx.source_pair->index);
  // Redis away: the cache may miss a deletion, so no new request is sent on its word.
  // In-dialog requests go to their remote target; the flow from the cache is only a hint.
  if (env.state.shared_storage_down && sip::tag_of(out.value(sip::header_id::to)).empty()) {
    ctx.respond(503, "Service Unavailable (registration storage unreachable)",
                "Retry-After: 5\r\n");
    return step_result::done;
  }
  auto ruri = sip::parse_uri(out.request_uri());
  if (!ruri) return to_uri(ctx, out.request_uri(), env);
  bool local = env.self.is_local(ruri->host, ruri->port);
  if (!ruri->user.empty()) {
    auto bindings = env.bindings.lookup(canonical_aor(*ruri, env.self));
    if (!bindings.empty()) {
      std::stable_sort(bindings.begin(), bindings.end(),
                       [](const auto& a, const auto& b) { return a.expires > b.expires; });
      bool fork = sip::tag_of(out.value(sip::header_id::to)).empty();
      for (std::size_t i = 1; fork && i < bindings.size() && i < max_fork_branches; ++i) {
        request_context f;
        f.out = out.derive();
        f.from_pool_peer = ctx.from_pool_peer;
        f.out->set_request_uri(bindings[i].contact);
        to_binding(f, bindings[i], env);
        ctx.forks.push_back(fork_target{std::move(f.out), *f.next_hop});
      }
      out.set_request_uri(bindings.front().contact);
      to_binding(ctx, bindings.front(), env);
      return step_result::routed;
    }
    if (local) {
      ctx.respond(480, "Temporarily Unavailable (no registration for this address)");
      return step_result::done;
    }
  }
  if (auto b = env.bindings.by_contact(out.request_uri())) {
    to_binding(ctx, *b, env);
    return step_result::routed;
  }
  return to_uri(ctx, out.request_uri(), env);
}

}  // namespace sipproxy::proxy
