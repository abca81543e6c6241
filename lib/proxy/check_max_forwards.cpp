#include "proxy/options_answer.hpp"
#include "proxy/steps.hpp"
#include "sip/cseq.hpp"

namespace sipproxy::proxy {

step_result check_max_forwards(request_context& ctx, const proxy_env&) {
  const sip::header* mf = ctx.in->first(sip::header_id::max_forwards);
  if (!mf) return step_result::next;  // 70 is inserted when forwarding
  auto hops = sip::parse_uint(mf->value, 255);
  if (hops && *hops > 0) return step_result::next;
  if (ctx.in->method() == "OPTIONS" && ctx.addressed_to_us) {
    ctx.respond(200, {}, std::string(options_answer_headers));
  } else {
    ctx.respond(483);
  }
  return step_result::done;
}

}  // namespace sipproxy::proxy
