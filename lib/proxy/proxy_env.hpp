// What the request steps read: the configuration, who we are, the SIP Servers, names.
#pragma once

#include <optional>

#include "config/settings.hpp"
#include "proxy/local_identity.hpp"
#include "proxy/overload_control.hpp"
#include "proxy/route_signer.hpp"
#include "registrar/binding_store.hpp"
#include "routing/feature_servers.hpp"
#include "routing/next_hop.hpp"
#include "routing/pair_selector.hpp"
#include "routing/pool_members.hpp"
#include "routing/server_table.hpp"
#include "routing/session_table.hpp"

namespace sipproxy::proxy {

struct runtime_state {
  bool draining = false;  // SIGTERM: new dialogs refused, OPTIONS pings answered 503
  // feature-server-address: the Feature Servers (resolved), each with its probe state.
  routing::feature_servers feature_servers;
  // shared-storage = redis://... and Redis is unavailable (or not synchronised): new
  // requests that need a registration look-up get 503.
  bool shared_storage_down = false;
};

struct proxy_env {
  const config::settings& settings;
  const local_identity& self;
  routing::server_table& servers;
  routing::host_table& hosts;
  overload_control& overload;
  routing::pair_selector& selector;
  routing::session_table& sessions;
  runtime_state& state;
  registrar::binding_store& bindings;
  const routing::pool_members& pool;  // the other instances, as SIP next hops
  const route_signer& routes;         // signs and checks our Record-Route parameters
};

}  // namespace sipproxy::proxy
