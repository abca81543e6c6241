#include "proxy/aor.hpp"
#include "proxy/steps.hpp"
#include "sip/name_addr.hpp"

namespace sipproxy::proxy {

step_result note_registered_aor(request_context& ctx, const proxy_env& env) {
  // A REGISTER from an endpoint: the address-of-record it registers (its To), which the
  // proxy stores the bindings under when the SIP Server accepts them.
  if (ctx.out->method() != "REGISTER") return step_result::next;
  auto na = sip::parse_name_addr(ctx.out->value(sip::header_id::to));
  if (auto u = na ? sip::parse_uri(na->uri) : std::nullopt; u && !u->user.empty())
    ctx.aor = canonical_aor(*u, env.self);
  return step_result::next;
}

}  // namespace sipproxy::proxy
