#include <fmt/format.h>

#include "proxy/steps.hpp"
#include "registrar/registrar.hpp"

namespace sipproxy::proxy {

step_result check_registration_limit(request_context& ctx, const proxy_env& env) {
  auto limit = static_cast<std::size_t>(env.settings.max_registrations_per_aor);
  if (limit == 0 || ctx.aor.empty() || ctx.in->method() != "REGISTER") return step_result::next;
  std::size_t now = env.bindings.lookup(ctx.aor).size();
  std::size_t after = registrar::bindings_if_granted(env.bindings, ctx.aor, *ctx.in);
  // Refreshes and removals always pass, even when the limit was lowered below what is bound.
  if (after <= limit || after <= now) return step_result::next;
  // RFC 3261 names no status for this. 403: the request is understood and refused, and
  // sending it again (or authenticating) will not help until a contact is removed or
  // expires; 503 would invite a retry after Retry-After that fails the same way.
  ctx.respond(403, fmt::format("Forbidden (too many registrations: {} would have {} contacts, "
                               "max-registrations-per-aor = {})",
                               ctx.aor, after, limit));
  return step_result::done;
}

}  // namespace sipproxy::proxy
