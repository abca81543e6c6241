#include "proxy/route_target.hpp"
#include "proxy/steps.hpp"

namespace sipproxy::proxy {

namespace {

// The pair our Record-Route named: the one at its index, unless it names a pair of
// another name (the deployment renumbered its pairs, or the instance that set the dialog
// up has another deployment file), then the one of that name; nullptr when neither is
// configured here.
const routing::server_pair* recorded_pair(const request_context& ctx, const proxy_env& env) {
  const routing::server_pair* p = env.servers.by_index(*ctx.rr_server_index);
  if (p && (ctx.rr_server_name.empty() || p->name == ctx.rr_server_name)) return p;
  if (ctx.rr_server_name.empty()) return nullptr;
  return env.servers.by_name(ctx.rr_server_name);
}

}  // namespace

step_result route_recorded_dialog(request_context& ctx, const proxy_env& env) {
  // From an endpoint. Within a dialog we record-routed: the SIP Server it was set up with.
  if (!ctx.rr_server_index) return step_result::next;
  const routing::server_pair* pair = recorded_pair(ctx, env);
  if (!pair) return step_result::next;
  // The member the dialog was set up with keeps it while it is not out of service,
  // inactive included (the seed's inactive state); else the pair's member for dialogs.
  const routing::member* m = ctx.rr_backup && pair->backup ? &*pair->backup : &pair->primary;
  if (m->state != routing::member_state::out_of_service) {
    ctx.target_pair = pair;
    ctx.next_hop = m->address;
    return step_result::routed;
  }
  return to_member(ctx, *pair, true, env);
}

}  // namespace sipproxy::proxy
