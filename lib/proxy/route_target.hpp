// How a routing rule sets the target of a request: a member of a SIP Server pair, or the
// next hop a SIP URI designates (RFC 3263 §4: a name not yet resolved is left for
// resolve_next_hop). Each answers `routed`, or `done` with the response that says why not.
#pragma once

#include <string_view>

#include "proxy/proxy_env.hpp"
#include "proxy/request_context.hpp"
#include "routing/server_pair.hpp"

namespace sipproxy::proxy {

// The pair's member for new requests (`in_dialog`: its member for dialogs, an inactive
// one included); 503 with Retry-After when it has none.
step_result to_member(request_context& ctx, const routing::server_pair& pair, bool in_dialog,
                      const proxy_env& env);

// The next hop `text` designates: an address, a configured or cached name (with the other
// cached targets as alternatives), or a name to resolve (ctx.resolve_uri). 416 when it is
// not a SIP URI, 503 for a transport we do not speak.
step_result to_uri(request_context& ctx, std::string_view text, const proxy_env& env);

}  // namespace sipproxy::proxy
