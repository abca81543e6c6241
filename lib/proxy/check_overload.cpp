#include "proxy/steps.hpp"
#include "sip/name_addr.hpp"

namespace sipproxy::proxy {

step_result check_overload(request_context& ctx, const proxy_env& env) {
  // Only new dialogs: in-dialog requests, ACK, CANCEL and BYE are never refused for load.
  if (ctx.in->method() != "INVITE") return step_result::next;
  if (!sip::tag_of(ctx.in->value(sip::header_id::to)).empty()) return step_result::next;
  if (env.overload.admit()) return step_result::next;
  ctx.respond(503, "Service Unavailable (overload: dialog rate above overload-ctrl-dialog-rate)",
              "Retry-After: 1\r\n");
  return step_result::done;
}

}  // namespace sipproxy::proxy
