// The request path (RFC 3261 §16.3-16.5), one small step per file. Each reads the
// context, and either lets the request go on or sets the response that ends it.
#pragma once

#include <cstddef>
#include <iterator>

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
// §16.5 and the seed's routing: runs routing_rules (below) until one decides.
step_result decide_target(request_context& ctx, const proxy_env& env);
// RFC 5630: a sips: request, or one that came over TLS, is not sent on in clear to an
// endpoint → 480 (TLS targets among the AOR's contacts are kept).
step_result check_tls_target(request_context& ctx, const proxy_env& env);
// max-registrations-per-aor: a REGISTER that would bind more contacts → 403.
step_result check_registration_limit(request_context& ctx, const proxy_env& env);
// RFC 3263: a next hop named by a host name waits for DNS; 503 when it does not resolve.
step_result resolve_next_hop(request_context& ctx, const proxy_env& env);

// The routing rules (decide_target). Each either does not apply (next), chooses the
// target (routed), or answers (done); the first that does not pass decides.
//
// A Route left after ours: its next hop; from an endpoint only to a SIP Server, a Feature
// Server or an instance of the pool (else 403).
step_result follow_route(request_context& ctx, const proxy_env& env);
// OPTIONS addressed to the proxy: 200, or 503 while draining or overloaded.
step_result answer_options(request_context& ctx, const proxy_env& env);
// From a SIP Server, a Feature Server or a pool peer: the registered contacts of the
// Request-URI (forked, RFC 3261 §16.6), its flow, or the Request-URI itself; 480 / 503.
step_result route_to_endpoint(request_context& ctx, const proxy_env& env);
// Within a dialog with a Feature Server (our signed `fs` Record-Route): to that Feature
// Server only (else 403).
step_result route_feature_server_dialog(request_context& ctx, const proxy_env& env);
// Within a dialog we record-routed: the member of the pair it was set up with.
step_result route_recorded_dialog(request_context& ctx, const proxy_env& env);
// Cluster, within a dialog whose recorded pair is not configured here: the pair of its
// session, else of its DN; 481 when neither.
step_result route_dialog_by_session_or_dn(request_context& ctx, const proxy_env& env);
// A registered endpoint's message-summary SUBSCRIBE (MWI): a live Feature Server; 489 / 503.
step_result route_message_summary(request_context& ctx, const proxy_env& env);
// A REGISTER: notes the address-of-record it registers (never decides).
step_result note_registered_aor(request_context& ctx, const proxy_env& env);
// Standalone: serving-sipserver's member (503 when it has none).
step_result route_standalone(request_context& ctx, const proxy_env& env);
// Cluster: the pair of a related session, else the load balancer's pick (503 when none).
step_result route_cluster(request_context& ctx, const proxy_env& env);

using step = step_result (*)(request_context&, const proxy_env&);

// Where a request from an endpoint or a server goes, in order. A reader sees every rule here.
inline constexpr step routing_rules[] = {
    follow_route,                   // Route after ours: its next hop; 403 for open relay
    answer_options,                 // OPTIONS to us: 200 / 503
    route_to_endpoint,              // from a server: the contacts (forking), flow, or R-URI
    route_feature_server_dialog,    // `fs` Record-Route: its Feature Server; 403
    route_recorded_dialog,          // our Record-Route: the pair's member it was set up with
    route_dialog_by_session_or_dn,  // that pair gone: session's pair, DN's pair; 481
    route_message_summary,          // MWI SUBSCRIBE: a Feature Server; 489 / 503
    note_registered_aor,            // REGISTER: its address-of-record
    route_standalone,               // serving-sipserver; 503
    route_cluster,                  // session affinity, else the load balancer; 503
};

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
    decide_target,             // routing_rules: the next hop or a name; 403 / 480 / 481 / 503 ...
    check_tls_target,          // 480: sips: or came over TLS, endpoint only in clear
    check_registration_limit,  // 403 above max-registrations-per-aor
    resolve_next_hop,          // waiting for DNS; 503 when the name does not resolve
};

// Runs the path from step `ctx.waiting_at` (0: the start; a core resumes a request that
// waited there). `waiting`: ctx.waiting_at is the step to resume once its event came.
inline step_result run_request_path(request_context& ctx, const proxy_env& env) {
  for (std::size_t i = ctx.waiting_at; i < std::size(request_path); ++i) {
    step_result r = request_path[i](ctx, env);
    if (r == step_result::next) continue;
    if (r == step_result::waiting) ctx.waiting_at = i;
    return r;
  }
  return step_result::next;
}

}  // namespace sipproxy::proxy
