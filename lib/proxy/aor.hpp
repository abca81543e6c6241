// Addresses-of-record as the registrar keys them: "sip:user@host", host lower-case, no
// port or parameters; a host that designates the proxy itself (its names, addresses, the
// internal-domain) is written as one canonical domain, so a phone registered as
// 1000@proxy.example.com is found for a request to 1000@10.0.0.5:5060.
#pragma once

#include <string>

#include "proxy/local_identity.hpp"
#include "sip/uri.hpp"

namespace sipproxy::proxy {

std::string canonical_aor(const sip::uri& u, const local_identity& self);

}  // namespace sipproxy::proxy
