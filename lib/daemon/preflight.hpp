// The checks startup makes before binding, without binding (also `sipproxyd --check`):
// this instance is in the pool and its host is an address of this machine (40000), the
// host names resolve (40005, 40003), the TLS files load (40003).
#pragma once

#include "config/settings.hpp"

namespace sipproxy::daemon {

// Throws startup_error.
void preflight(const config::settings& settings);

}  // namespace sipproxy::daemon
