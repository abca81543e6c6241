#include "proxy/options_answer.hpp"
#include "proxy/steps.hpp"

namespace sipproxy::proxy {

step_result answer_options(request_context& ctx, const proxy_env& env) {
  if (!ctx.addressed_to_us || ctx.out->method() != "OPTIONS") return step_result::next;
  // SIP Servers ping the pool (their DN-level oos-check): say when we cannot take calls.
  if (env.state.draining) {
    ctx.respond(503, "Service Unavailable (proxy is shutting down)", "Retry-After: 5\r\n");
  } else if (env.overload.overloaded()) {
    ctx.respond(503, "Service Unavailable (overload)", "Retry-After: 1\r\n");
  } else {
    ctx.respond(200, {}, std::string(options_answer_headers));
  }
  return step_result::done;
}

}  // namespace sipproxy::proxy
