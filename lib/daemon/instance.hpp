// Everything one running proxy instance is made of, in the order startup builds it (and so
// destroyed in reverse): the configuration, the event loop and its timers, the layers
// (transport → transactions → proxy core), the pool's shared state and the links that
// share it, the health prober and the management servers. daemon/startup.hpp builds it;
// reload, drain and housekeeping act on it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "cluster/hybrid_clock.hpp"
#include "cluster/pool.hpp"
#include "cluster/redis_storage.hpp"
#include "cluster/replicated_binding_store.hpp"
#include "cluster/replicated_session_table.hpp"
#include "cluster/shared_state.hpp"
#include "config/settings.hpp"
#include "daemon/runtime_options.hpp"
#include "daemon/server_options.hpp"
#include "dns/resolver.hpp"
#include "health/health_prober.hpp"
#include "mgmt/http_server.hpp"
#include "mgmt/mgmt_server.hpp"
#include "proxy/host_refresher.hpp"
#include "proxy/local_identity.hpp"
#include "proxy/management.hpp"
#include "proxy/overload_control.hpp"
#include "proxy/proxy_core.hpp"
#include "proxy/proxy_env.hpp"
#include "proxy/route_signer.hpp"
#include "routing/next_hop.hpp"
#include "routing/pair_selector.hpp"
#include "routing/pool_members.hpp"
#include "routing/server_table.hpp"
#include "transport/transport_manager.hpp"
#include "txn/asio_timer_driver.hpp"
#include "txn/timer_queue.hpp"
#include "txn/transaction_layer.hpp"

namespace sipproxy::daemon {

struct instance {
  config::settings settings;
  server_options options;
  // Routing: the SIP Server pairs (members resolved) and the names they were given by.
  routing::host_table hosts;
  routing::server_table servers{{}};
  std::unique_ptr<proxy::local_identity> identity;
  std::unique_ptr<proxy::route_signer> routes;
  // The event loop, the timers of every layer on it, and the layers.
  boost::asio::io_context io{1};
  txn::timer_queue timers;
  std::unique_ptr<txn::asio_timer_driver> driver;
  std::unique_ptr<transport::transport_manager> transport;
  std::unique_ptr<txn::transaction_layer> layer;
  proxy::overload_control overload;
  std::unique_ptr<routing::pair_selector> selector;
  // The pool's shared state (bindings, session affinity) and the links that share it.
  cluster::hybrid_clock clock;
  std::unique_ptr<cluster::replicated_binding_store> bindings;
  std::unique_ptr<cluster::replicated_session_table> sessions;
  // shared-storage = peers: a cluster::pool; redis://...: a cluster::redis_storage.
  std::unique_ptr<cluster::shared_state> shared;
  routing::pool_members pool_members;
  proxy::runtime_state state;
  std::unique_ptr<health::health_prober> prober;
  std::unique_ptr<dns::resolver> resolver;
  std::unique_ptr<proxy::host_refresher> refresher;
  std::unique_ptr<proxy::proxy_core> core;
  // Management: the commands, the sipproxyctl port and the HTTP port.
  std::unique_ptr<proxy::management> commands;
  std::unique_ptr<mgmt::mgmt_server> mgmt;
  std::unique_ptr<mgmt::http_server> http;
  runtime_options runtime{*this};
};

}  // namespace sipproxy::daemon
