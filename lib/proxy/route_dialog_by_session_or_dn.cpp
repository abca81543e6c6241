#include "log/logger.hpp"
#include "proxy/related_pair.hpp"
#include "proxy/route_target.hpp"
#include "proxy/steps.hpp"

namespace sipproxy::proxy {

step_result route_dialog_by_session_or_dn(request_context& ctx, const proxy_env& env) {
  // Within a dialog we record-routed whose pair is gone here (route_recorded_dialog did
  // not find it: the deployment changed, or this instance has another one): the pair the
  // session is stored with, else the pair that serves the DN. Standalone, the one pair
  // takes it (route_standalone).
  if (!ctx.rr_server_index || env.settings.standalone()) return step_result::next;
  const sip::message& out = *ctx.out;
  const routing::server_pair* pair = affine_pair(out, env);
  const char* how = "its session";
  if (!pair && !ctx.rr_dn.empty()) {
    pair = dn_pair(ctx.rr_dn, env);
    how = "its DN";
  }
  if (pair) {
    log::interaction(
        "{} {}: SIP Server {}{} of the dialog is not configured here; {} "
        "gives {}",
        out.method(), out.request_uri(), *ctx.rr_server_index,
        ctx.rr_server_name.empty() ? "" : " (" + ctx.rr_server_name + ")", how, pair->name);
    return to_member(ctx, *pair, true, env);
  }
  // RFC 3261 §12.2.2: no SIP Server here can hold this dialog any more.
  ctx.respond(481, "Call/Transaction Does Not Exist (the dialog's SIP Server " +
                       (ctx.rr_server_name.empty() ? std::to_string(*ctx.rr_server_index)
                                                   : ctx.rr_server_name) +
                       " is not configured and no session or DN gives another)");
  return step_result::done;
}

}  // namespace sipproxy::proxy
