// The request path (RFC 3261 §16.3-16.5), one small step per file. Each reads the
// context, and either lets the request go on or sets the response that ends it.
#pragma once

#include <cstddef>

#include "proxy/proxy_env.hpp"
#include "proxy/request_context.hpp"

namespace sipproxy::proxy {

// The lengths of the wire fields the proxy stores (in the dialog and session tables, the
// registrations, and through them in the pool's replicas and Redis), capped so that a
// shared table cannot be made to hold gigabytes. They are well above RFC 4475's "long
// values" request (§3.1.1.4: an 829-byte Call-ID, a 509-byte tag, a 2149-byte To), which
// is valid and must pass (tests/torture/messages/valid-long-values.sip).
namespace field_caps {
inline constexpr std::size_t call_id = 1024;
inline constexpr std::size_t tag = 1024;      // From and To tags
inline constexpr std::size_t from_to = 4096;  // the whole From or To value (the AOR's source)
inline constexpr std::size_t contact = 4096;  // one Contact header field
inline constexpr std::size_t request_uri = 4096;
}  // namespace field_caps

// A stored field over its cap (field_caps) → 400 naming it, counted; nothing is stored.
step_result check_field_lengths(request_context& ctx, const proxy_env& env);
// The seed's overload control: new INVITEs above overload-ctrl-dialog-rate → 503.
step_result check_overload(request_context& ctx, const proxy_env& env);
// §16.3 step 2: a Request-URI scheme we do not speak → 416.
step_result check_uri_scheme(request_context& ctx, const proxy_env& env);
// Notes whether the request is addressed to the proxy itself (OPTIONS ping).
step_result classify_source(request_context& ctx, const proxy_env& env);
// §16.3 step 3: Max-Forwards 0 → 483 (200 for an OPTIONS addressed to us).
step_result check_max_forwards(request_context& ctx, const proxy_env& env);
// §16.3 step 4: our own Via with this request's loop hash → 482.
step_result check_loop(request_context& ctx, const proxy_env& env);
// §16.3 step 5: Proxy-Require → 420 with Unsupported.
step_result check_proxy_require(request_context& ctx, const proxy_env& env);
// §16.4: strict-route fix-up, our own Route entries removed (and what they said kept).
step_result preprocess_route(request_context& ctx, const proxy_env& env);
// §16.5 and the seed's routing: where the request goes, or why it does not.
step_result decide_target(request_context& ctx, const proxy_env& env);
// RFC 5630: a sips: request, or one that came over TLS, is not sent on in clear to an
// endpoint → 480 (TLS targets among the AOR's contacts are kept).
step_result check_tls_target(request_context& ctx, const proxy_env& env);
// max-registrations-per-aor: a REGISTER that would bind more contacts → 403.
step_result check_registration_limit(request_context& ctx, const proxy_env& env);

using step = step_result (*)(request_context&, const proxy_env&);

// The request path, in order. A reader sees the whole of it here.
inline constexpr step request_path[] = {
    check_overload,            // 503 above overload-ctrl-dialog-rate, before any other work
    check_field_lengths,       // 400 for a stored field over its cap
    check_uri_scheme,          // 416
    classify_source,           // from a SIP Server? to the proxy itself?
    check_max_forwards,        // 483, or 200 for OPTIONS to us
    check_loop,                // 482
    check_proxy_require,       // 420
    preprocess_route,          // strict routing, our Route removed
    decide_target,             // SIP Server member, Request-URI, Route; 403 / 503 / 200
    check_tls_target,          // 480: sips: or came over TLS, endpoint only in clear
    check_registration_limit,  // 403 above max-registrations-per-aor
};

// Runs the path; step_result::done when a step set a response.
inline step_result run_request_path(request_context& ctx, const proxy_env& env) {
  for (step s : request_path) {
    if (s(ctx, env) == step_result::done) return step_result::done;
  }
  return step_result::next;
}

}  // namespace sipproxy::proxy
