// The deployment's tls-* options turned into the TLS contexts of the SIP transport, with
// what is wrong said as a configuration error: the option, its file and line.
#pragma once

#include <optional>
#include <string>

#include "config/settings.hpp"
#include "transport/tls_context.hpp"

namespace sipproxy::proxy {

// The contexts; on failure nullopt, and `error` reads "FILE:LINE: option 'tls-...': why".
std::optional<transport::tls_contexts> load_tls(const config::settings& s, std::string& error);

}  // namespace sipproxy::proxy
