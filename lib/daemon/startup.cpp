#include "daemon/startup.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "daemon/configured_names.hpp"
#include "daemon/housekeeping.hpp"
#include "daemon/instance.hpp"
#include "daemon/startup_error.hpp"
#include "log/logger.hpp"
#include "proxy/tls_settings.hpp"
#include "transport/local_addresses.hpp"

namespace sipproxy::daemon {

namespace asio = boost::asio;

namespace {

// The bound of the queue of changes kept for an unavailable Redis: redis_queue_cap, or
// SIPPROXY_REDIS_QUEUE_CAP (1 to redis_queue_cap; a test knob, so that a test can reach
// the bound with a few phones). Anything else in it is ignored, with a log line.
std::size_t redis_queue_cap_of_environment() {
  const char* v = std::getenv("SIPPROXY_REDIS_QUEUE_CAP");
  if (!v) return cluster::redis_queue_cap;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v, &end, 10);
  if (end == v || *end || n == 0 || n > cluster::redis_queue_cap) {
    log::standard("SIPPROXY_REDIS_QUEUE_CAP='{}' ignored: not a number from 1 to {}", v,
                  cluster::redis_queue_cap);
    return cluster::redis_queue_cap;
  }
  return static_cast<std::size_t>(n);
}

}  // namespace

void build_routing(instance& m) {
  const auto& s = m.settings;
  std::string via_host = via_host_of(s);
  m.servers = routing::server_table(server_pairs_of(s, m.hosts));
  std::vector<asio::ip::address> locals;
  asio::ip::address bound;
  if (!s.sip_address.empty() && transport::parse_ip(s.sip_address, bound)) {
    locals.push_back(bound);
  } else {
    locals = transport::interface_addresses();
  }
  m.identity = std::make_unique<proxy::local_identity>(s, via_host, std::move(locals));
  auto signer = proxy::make_route_signer(s);
  m.routes = std::make_unique<proxy::route_signer>(signer.signer);
  log::standard("Record-Route parameters: MAC key {}{}", signer.source,
                signer.weak ? "; warning: whoever knows the deployment can forge them" : "");
}

void build_layers(instance& m) {
  const auto& s = m.settings;
  m.driver = std::make_unique<txn::asio_timer_driver>(m.io, m.timers);
  m.transport = std::make_unique<transport::transport_manager>(m.io);
  m.layer = std::make_unique<txn::transaction_layer>(*m.transport, m.timers);
  m.transport->set_receiver(*m.layer);
  m.layer->set_max_in_flight(static_cast<std::size_t>(s.max_transactions));
  m.overload.set_rate(s.overload_ctrl_dialog_rate);
  m.selector = std::make_unique<routing::pair_selector>(m.servers, s.geo_location);
  m.selector->set_method(s.load_balancing == "random" ? routing::balance_method::random
                                                      : routing::balance_method::round_robin);
  health::probe_policy probing;
  probing.probe_timeout = m.options.timers.probe_deadline;
  m.prober = std::make_unique<health::health_prober>(
      *m.layer, m.timers, m.servers, m.settings,
      health::prober_identity{m.identity->via_host(), m.identity->port()}, probing);
  m.resolver =
      std::make_unique<dns::resolver>(m.io.get_executor(), resolver_options_of(s.dns_server));
  if (m.resolver->status())
    log::event(log::event_id::host_not_resolved,
               "DNS resolver unavailable ({}): next hops given as host names get 503",
               m.resolver->status().message());
}

void build_shared_state(instance& m) {
  const auto& s = m.settings;
  std::vector<std::string> pair_names;
  for (const auto& p : m.servers.pairs()) pair_names.push_back(p.name);
  m.bindings = std::make_unique<cluster::replicated_binding_store>(s.app, m.clock);
  m.sessions =
      std::make_unique<cluster::replicated_session_table>(s.app, m.clock, std::move(pair_names));
  if (s.redis) {
    auto storage = std::make_unique<cluster::redis_storage>(
        m.io, s.app, *s.redis, *m.bindings, *m.sessions,
        [&m](bool up) { m.state.shared_storage_down = !up; },
        [&m] {
          return std::chrono::milliseconds(std::max(0, m.settings.registration_confirm_timeout));
        },
        redis_queue_cap_of_environment());
    storage->set_reconnect(m.options.timers.reconnect);
    m.state.shared_storage_down = true;
    m.shared = std::move(storage);
  } else {
    m.shared = std::make_unique<cluster::pool>(m.io, m.settings, *m.bindings, *m.sessions,
                                               m.options.timers);
  }
  m.pool_members = pool_members_of(s);
}

void build_core(instance& m) {
  m.core = std::make_unique<proxy::proxy_core>(
      *m.layer,
      proxy::proxy_env{m.settings, *m.identity, m.servers, m.hosts, m.overload, *m.selector,
                       *m.sessions, m.state, *m.bindings, m.pool_members, *m.routes},
      m.prober.get(), m.resolver.get());
  m.layer->set_user(*m.core);
}

void sync_shared_state(instance& m) {
  const auto& s = m.settings;
  auto sync_bound = std::chrono::seconds(std::max(2 * s.wait_response_timeout, 10));
  if (std::string line = m.shared->sync_before_serving(sync_bound); !line.empty())
    log::standard("{}", line);
}

void bind_sip(instance& m) {
  const auto& s = m.settings;
  transport::listen_options lo;
  lo.address = s.sip_address;
  lo.port = s.self.sip_port;
  lo.tos = s.sip_ip_tos;
  lo.max_connections_per_source = static_cast<std::size_t>(s.max_connections_per_source);
  lo.max_inbound = static_cast<std::size_t>(s.max_tcp_connections);
  lo.max_outbound = static_cast<std::size_t>(s.max_tcp_outbound_connections);
  if (s.self.tls_port != 0) {
    std::string error;
    auto tls = proxy::load_tls(s, error);
    if (!tls)
      throw startup_error(log::event_id::error_reading_config_data,
                          "Error while reading configuration data: " + error);
    lo.tls_port = s.self.tls_port;
    lo.tls = *tls;
    m.runtime.note_tls_loaded();
    log::standard("TLS certificate {} (serial {}, valid until {}), TLS {} or later",
                  s.tls_certificate, tls->serial, tls->not_after, s.tls_min_version);
  }
  if (std::string err = m.transport->listen(lo); !err.empty())
    throw startup_error(
        log::event_id::sip_listener_cannot_start,
        fmt::format("Cannot start SIP listener: {} (sip-port = {}{}{})", err, s.self.sip_port,
                    s.lines.at("sip-port")
                        ? fmt::format(" at {}:{}", s.file, s.lines.at("sip-port"))
                        : std::string(", the default"),
                    s.sip_address.empty() ? "" : ", sip-address = " + s.sip_address));
  m.layer->set_own_port(m.transport->port());
}

void bind_management(instance& m) {
  const auto& s = m.settings;
  if (s.self.mgmt_port || s.self.http_port) {
    m.commands = std::make_unique<proxy::management>(proxy::management_view{
        m.settings, *m.identity, m.servers, *m.prober, *m.bindings, *m.sessions, *m.core, *m.layer,
        m.overload, [&m] { m.runtime.apply(); }, [&m](bool on) { m.core->set_draining(on); },
        *m.shared});
  }
  if (s.self.mgmt_port) {
    mgmt::mgmt_limits limits;
    limits.auth_timeout = std::chrono::seconds(s.mgmt_auth_timeout);
    m.mgmt = std::make_unique<mgmt::mgmt_server>(m.io, *m.commands, s.mgmt_token, limits);
    if (std::string err = m.mgmt->listen(s.self.mgmt_address, *s.self.mgmt_port); !err.empty())
      throw startup_error(
          log::event_id::mgmt_listener_cannot_start,
          fmt::format("Cannot start Mgmt listener: {} (mgmt-port = {})", err, *s.self.mgmt_port));
  }
  if (s.self.http_port) {
    m.http = std::make_unique<mgmt::http_server>(m.io, *m.commands);
    if (std::string err = m.http->listen(s.self.mgmt_address, *s.self.http_port); !err.empty())
      throw startup_error(
          log::event_id::mgmt_listener_cannot_start,
          fmt::format("Cannot start HTTP listener: {} (http-port = {})", err, *s.self.http_port));
  }
}

void start_services(instance& m) {
  m.runtime.use_feature_servers();
  m.runtime.watch_host_names();
  m.prober->start();
  m.shared->start();
  start_housekeeping(m);
}

void log_initialized(const instance& m) {
  const auto& s = m.settings;
  std::string servers_text;
  for (const auto& p : m.servers.pairs()) {
    if (!servers_text.empty()) servers_text += ", ";
    servers_text += fmt::format("{} (primary {}{})", p.name, p.primary.configured,
                                p.backup ? ", backup " + p.backup->configured : "");
  }
  log::event(
      log::event_id::proxy_initialized,
      "SIP Proxy has initialized successfully: {} listening on UDP and TCP {}:{}{}, {} mode{}, "
      "Via {}:{}, Record-Route {}:{}, SIP Servers: {}",
      s.app, s.sip_address.empty() ? "*" : s.sip_address, s.self.sip_port,
      s.self.tls_port ? fmt::format(" and TLS port {}", s.self.tls_port) : std::string(),
      s.standalone() ? "standalone" : "cluster",
      s.standalone() ? ", serving " + s.serving_sipserver : "", m.identity->via_host(),
      m.identity->port(), m.identity->rr_host(), m.identity->rr_port(), servers_text);
}

}  // namespace sipproxy::daemon
