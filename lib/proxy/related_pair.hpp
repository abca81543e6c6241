// The SIP Server pair a stored session names (routing::session_table): the one a related
// call already uses, or the one that serves a DN. Cluster mode keeps a call's requests,
// and a DN's, on one pair.
#pragma once

#include <string_view>

#include "proxy/proxy_env.hpp"
#include "sip/message.hpp"

namespace sipproxy::proxy {

// The pair a related session already uses (same Call-ID, or the Call-ID an INVITE with
// Replaces, RFC 3891, refers to), while that pair still has a member for dialogs.
const routing::server_pair* affine_pair(const sip::message& m, const proxy_env& env);

// The pair that serves a DN (the one that accepted its registration), while it has a
// member for dialogs.
const routing::server_pair* dn_pair(std::string_view dn, const proxy_env& env);

}  // namespace sipproxy::proxy
