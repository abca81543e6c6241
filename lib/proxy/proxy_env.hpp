// What the request steps read: the configuration, who we are, the SIP Servers, names.
#pragma once

#include "config/settings.hpp"
#include "proxy/local_identity.hpp"
#include "routing/next_hop.hpp"
#include "routing/server_table.hpp"

namespace sipproxy::proxy {

struct proxy_env {
  const config::settings& settings;
  const local_identity& self;
  routing::server_table& servers;
  const routing::host_table& hosts;
};

}  // namespace sipproxy::proxy
