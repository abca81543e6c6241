// The edits a proxy makes to a request it forwards (RFC 3261 §16.6 steps 3-8).
#pragma once

#include <string>
#include <string_view>

#include "proxy/proxy_env.hpp"
#include "proxy/request_context.hpp"

namespace sipproxy::proxy {

// Max-Forwards minus one, or 70 when absent (§16.6 step 3).
void decrement_max_forwards(sip::message& out);

// Whether this request creates a dialog we must stay in (INVITE, SUBSCRIBE, REFER,
// NOTIFY outside a dialog).
bool creates_dialog(const sip::message& m);

// The DN of a user part as Record-Route carries it: only the characters that need no
// escaping in a URI parameter.
std::string safe_dn(std::string_view user);

// Record-Route (§16.6 step 4) with lr, the SIP Server index and name, or the Feature
// Server, and the endpoint's DN (signed: route_signer); two
// entries when the request changes transport (RFC 5658), so each side reaches us on its
// own.
void add_record_route(request_context& ctx, const proxy_env& env);

// §16.6 step 6: when the next hop is a strict router (its Route URI has no lr), its URI
// becomes the Request-URI and the Request-URI goes to the end of Route.
void apply_strict_route(sip::message& out);

// Our Via on top (§16.6 step 8), for the transport the request leaves on.
void add_via(sip::message& out, const proxy_env& env, transport::protocol proto,
             std::string_view branch);

}  // namespace sipproxy::proxy
