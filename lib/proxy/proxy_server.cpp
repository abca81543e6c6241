#include "proxy/proxy_server.hpp"

#include <fmt/format.h>
#include <ifaddrs.h>
#include <malloc.h>
#include <netdb.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "cluster/pool.hpp"
#include "cluster/redis_storage.hpp"
#include "config/config_error.hpp"
#include "config/deployment_loader.hpp"
#include "config/option_table.hpp"
#include "config/printable_value.hpp"
#include "dns/resolver.hpp"
#include "dns/sip_resolver.hpp"
#include "log/logger.hpp"
#include "mgmt/http_server.hpp"
#include "mgmt/mgmt_server.hpp"
#include "proxy/host_refresher.hpp"
#include "proxy/management.hpp"
#include "proxy/proxy_core.hpp"
#include "proxy/tls_settings.hpp"
#include "sip/cseq.hpp"
#include "transport/socket_options.hpp"
#include "transport/transport_manager.hpp"
#include "txn/asio_timer_driver.hpp"
#include "txn/transaction_layer.hpp"

namespace sipproxy::proxy {

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

// Startup only: the event loop is not running yet, so a blocking look-up is acceptable.
std::optional<asio::ip::address> resolve_blocking(const std::string& host) {
  asio::ip::address a;
  if (transport::parse_ip(host, a)) return a;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return std::nullopt;
  std::optional<asio::ip::address> out;
  for (addrinfo* p = res; p && !out; p = p->ai_next) {
    if (p->ai_family == AF_INET) {
      auto* sa = reinterpret_cast<sockaddr_in*>(p->ai_addr);
      out = asio::ip::address_v4(ntohl(sa->sin_addr.s_addr));
    }
  }
  for (addrinfo* p = res; p && !out; p = p->ai_next) {
    if (p->ai_family == AF_INET6) {
      auto* sa = reinterpret_cast<sockaddr_in6*>(p->ai_addr);
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), sa->sin6_addr.s6_addr, 16);
      out = asio::ip::address_v6(b);
    }
  }
  ::freeaddrinfo(res);
  return out;
}

dns::resolver_options resolver_options_of(const std::string& dns_server) {
  dns::resolver_options ro;
  if (dns_server.empty()) return ro;
  std::size_t colon = dns_server.rfind(':');
  asio::ip::address a;
  if (transport::parse_ip(dns_server.substr(0, colon), a))
    ro.server = asio::ip::udp::endpoint(
        a, static_cast<std::uint16_t>(std::stoi(dns_server.substr(colon + 1))));
  return ro;
}

// A configured host name, before serving: through dns-server when one is set (c-ares on
// a short-lived loop), else through the system resolver (getaddrinfo, /etc/hosts too).
std::optional<asio::ip::address> resolve_configured(const std::string& dns_server,
                                                    const std::string& host) {
  asio::ip::address ip;
  if (transport::parse_ip(host, ip)) return ip;
  if (dns_server.empty()) return resolve_blocking(host);
  asio::io_context io;
  dns::resolver r(io.get_executor(), resolver_options_of(dns_server));
  std::optional<asio::ip::address> out;
  asio::co_spawn(io, dns::resolve_host(r, host),
                 [&out](std::exception_ptr e, dns::host_addresses a) {
                   if (!e && !a.addresses.empty())
                     out = transport::normalize(a.addresses.front().address);
                 });
  io.run_for(std::chrono::seconds(10));
  return out;
}

std::vector<asio::ip::address> interface_addresses() {
  std::vector<asio::ip::address> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      auto* sa = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
      out.push_back(asio::ip::address_v4(ntohl(sa->sin_addr.s_addr)));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      auto* sa = reinterpret_cast<sockaddr_in6*>(i->ifa_addr);
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), sa->sin6_addr.s6_addr, 16);
      out.push_back(asio::ip::address_v6(b));
    }
  }
  ::freeifaddrs(list);
  return out;
}

std::string local_host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

routing::member make_member(const config::server_address& a, const std::string& pair,
                            routing::host_table& hosts, const std::string& dns_server) {
  auto ip = resolve_configured(dns_server, a.host);
  if (!ip)
    throw startup_error(log::event_id::error_reading_config_data,
                        fmt::format("SIP Server {}: cannot resolve host '{}'", pair, a.host));
  if (!transport::parse_ip(a.host, *ip)) hosts.add(a.host, *ip);
  routing::member m;
  m.configured = fmt::format("{}:{}{}", a.host, a.port, a.tcp ? ";transport=tcp" : "");
  m.address.proto = a.tcp ? transport::protocol::tcp : transport::protocol::udp;
  m.address.address = transport::normalize(*ip);
  m.address.port = a.port;
  return m;
}

// The other instances of the pool as SIP next hops: each one's host (resolved) and
// sip-port. An instance whose host does not resolve is left out (logged).
routing::pool_members pool_members_of(const config::settings& s) {
  std::vector<routing::pool_member> out;
  for (const auto& name : s.sipproxy_applications) {
    if (name == s.app) continue;
    for (const auto& p : s.proxies) {
      if (p.name != name) continue;
      auto ip = resolve_configured(s.dns_server, p.host.empty() ? local_host_name() : p.host);
      if (!ip) {
        log::event(log::event_id::host_not_resolved,
                   "Cannot resolve host '{}' of SIP Proxy instance {}: its flows are not reachable "
                   "from here",
                   p.host, name);
        continue;
      }
      transport::peer sip;
      sip.address = transport::normalize(*ip);
      sip.port = p.sip_port;
      out.push_back(routing::pool_member{name, sip});
    }
  }
  return routing::pool_members(std::move(out));
}

// mgmt-address defaults to the section's host when a mgmt-token applies (else loopback):
// a host name there is resolved once, before binding and linking, for this instance and
// for its peers. Without a token and without mgmt-address, says once that instances on
// other hosts cannot link with this one.
void settle_mgmt_addresses(config::settings& s) {
  std::vector<config::proxy_app*> apps{&s.self};
  for (auto& q : s.proxies) apps.push_back(&q);
  for (config::proxy_app* p : apps) {
    asio::ip::address ip;
    if (!p->mgmt_port || p->mgmt_address_set || transport::parse_ip(p->mgmt_address, ip)) continue;
    if (auto a = resolve_configured(s.dns_server, p->mgmt_address)) {
      p->mgmt_address = a->to_string();
    } else if (p == &s.self) {
      throw startup_error(
          log::event_id::mgmt_listener_cannot_start,
          fmt::format("Cannot start Mgmt listener: host '{}' does not resolve (mgmt-address is "
                      "not set, so the management port binds on the host when mgmt-token is "
                      "set); set mgmt-address (mgmt-port = {})",
                      p->mgmt_address, *p->mgmt_port));
    }
  }
  if (s.self.mgmt_port && !s.self.mgmt_address_set && s.mgmt_token.empty())
    log::standard(
        "management port on {} (mgmt-address not set, no mgmt-token): SIP Proxy instances on "
        "other hosts cannot link with this one; set mgmt-token to bind it on host {}, or set "
        "mgmt-address",
        s.self.mgmt_address, s.self.host.empty() ? local_host_name() : s.self.host);
}

}  // namespace

// Via host: sip-address, else the application's host (resolved with resolve-host).
static std::string via_host_of(const config::settings& s) {
  if (!s.sip_address.empty()) return s.sip_address;
  std::string host = s.self.host.empty() ? local_host_name() : s.self.host;
  if (!s.resolve_host) return host;
  auto ip = resolve_blocking(host);
  if (!ip) {
    auto at = [&s](const char* option) {
      auto it = s.lines.find(option);
      return it == s.lines.end() || it->second == 0 ? std::string()
                                                    : fmt::format(" at {}:{}", s.file, it->second);
    };
    throw startup_error(
        log::event_id::host_not_resolved,
        fmt::format("Cannot resolve SIP Proxy host '{}' (resolve-host = true{}; host{}): the "
                    "Via needs its address",
                    host, at("resolve-host"), s.self.host.empty() ? " not set" : at("host")));
  }
  return ip->to_string();
}

// feature-server-address (one "host:port" or a comma-separated list) as members, each a
// UDP peer with its geo-location; an entry that does not resolve is left out (logged
// with 40005).
static std::vector<routing::member> resolve_feature_servers(
    const std::vector<config::settings::feature_server_entry>& list,
    const std::string& dns_server) {
  std::vector<routing::member> out;
  for (const auto& entry : list) {
    const std::string& hp = entry.address;
    std::size_t colon = hp.rfind(':');
    std::string host = hp.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    auto port = sip::parse_uint(hp.substr(colon + 1), 65535);
    auto ip = resolve_configured(dns_server, host);
    if (!ip || !port) {
      log::event(log::event_id::host_not_resolved,
                 "Cannot resolve Feature Server '{}' of feature-server-address: MWI SUBSCRIBEs "
                 "do not go to it{}",
                 hp, list.size() == 1 ? " (they get 489)" : "");
      continue;
    }
    routing::member m;
    m.configured = hp;
    m.address.address = transport::normalize(*ip);
    m.address.port = static_cast<std::uint16_t>(*port);
    m.geo_location = entry.geo_location;
    out.push_back(std::move(m));
  }
  return out;
}

void preflight(const config::settings& s) {
  // The seed's 40000: this instance must be one of the pool's.
  if (!s.sipproxy_applications.empty()) {
    bool listed = false;
    for (const auto& name : s.sipproxy_applications) listed = listed || name == s.app;
    if (!listed)
      throw startup_error(
          log::event_id::own_proxy_addr_not_found,
          fmt::format("Initialization failed: proxy {} ({}:{}) is not in "
                      "sipproxy-applications ({}:{})",
                      s.app, s.self.host.empty() ? local_host_name() : s.self.host, s.self.sip_port,
                      s.file, s.lines.at("sipproxy-applications")));
  }
  // ... and its host:port must be this host's: the section's `host` names an address of
  // this machine (a name that does not resolve is left to resolve-host and 40005).
  if (!s.self.host.empty()) {
    auto ip = resolve_blocking(s.self.host);
    if (ip && !transport::is_local_address(*ip)) {
      auto line = s.lines.find("host");
      throw startup_error(
          log::event_id::own_proxy_addr_not_found,
          fmt::format("Initialization failed: proxy {} ({}:{}) is not on this host: {} is not "
                      "an address of this machine ({}:{})",
                      s.app, s.self.host, s.self.sip_port, ip->to_string(), s.file,
                      line == s.lines.end() ? 0 : line->second));
    }
  }
  via_host_of(s);
  if (s.self.tls_port != 0) {
    std::string error;
    if (!load_tls(s, error))
      throw startup_error(log::event_id::error_reading_config_data,
                          "Error while reading configuration data: " + error);
  }
  for (const auto& app : s.servers) {
    for (const auto* a : {&app.primary, app.backup ? &*app.backup : nullptr}) {
      if (a && !resolve_configured(s.dns_server, a->host))
        throw startup_error(
            log::event_id::error_reading_config_data,
            fmt::format("SIP Server {}: cannot resolve host '{}'", app.name, a->host));
    }
  }
}

struct proxy_server::impl {
  config::settings settings;
  server_options options;
  routing::host_table hosts;
  routing::server_table servers{{}};
  std::unique_ptr<local_identity> identity;
  std::unique_ptr<route_signer> routes;
  asio::io_context io{1};
  txn::timer_queue timers;
  std::unique_ptr<txn::asio_timer_driver> driver;
  std::unique_ptr<transport::transport_manager> transport;
  std::unique_ptr<txn::transaction_layer> layer;
  overload_control overload;
  std::unique_ptr<routing::pair_selector> selector;
  // The pool's shared state (bindings, session affinity) and the links that share it.
  cluster::hybrid_clock clock;
  std::unique_ptr<cluster::replicated_binding_store> bindings;
  std::unique_ptr<cluster::replicated_session_table> sessions;
  // shared-storage = peers: a cluster::pool; redis://...: a cluster::redis_storage.
  std::unique_ptr<cluster::shared_state> shared;
  routing::pool_members pool_members;
  runtime_state state;
  std::unique_ptr<health::health_prober> prober;
  std::unique_ptr<dns::resolver> resolver;
  std::unique_ptr<host_refresher> refresher;
  std::unique_ptr<proxy_core> core;
  std::unique_ptr<management> commands;
  std::unique_ptr<mgmt::mgmt_server> mgmt;
  std::unique_ptr<mgmt::http_server> http;
  asio::signal_set signals{io};
  asio::steady_timer drain_timer{io};
  std::chrono::steady_clock::time_point drain_deadline;
  bool stopping = false;

  void begin_drain();
  // The options that take effect immediately changed in settings.values: apply them.
  void apply_runtime_options() {
    config::derive_typed(settings);
    overload.set_rate(settings.overload_ctrl_dialog_rate);
    layer->set_max_in_flight(static_cast<std::size_t>(settings.max_transactions));
    selector->set_method(settings.load_balancing == "random"
                             ? routing::balance_method::random
                             : routing::balance_method::round_robin);
    prober->reconfigure();
    // Re-resolved only when it changed (a blocking look-up, rare by construction).
    if (settings.feature_server_address != resolved_feature_server) use_feature_servers();
    use_tls();
  }
  // The tls-* values the running TLS contexts were built from; empty: read them again.
  std::string tls_loaded;
  std::string tls_values() const {
    return settings.tls_certificate + '\n' + settings.tls_private_key + '\n' +
           settings.tls_ca_file + '\n' + settings.tls_min_version + '\n' + settings.tls_ciphers;
  }
  // New TLS handshakes use the files (open connections keep theirs); when they are bad,
  // the running certificate stays.
  void use_tls() {
    if (settings.self.tls_port == 0 || tls_values() == tls_loaded) return;
    std::string error;
    auto tls = load_tls(settings, error);
    if (!tls) {
      log::event(log::event_id::error_reading_config_data,
                 "TLS keeps the running certificate and key: {}", error);
      return;
    }
    log::standard("TLS certificate {} (serial {}, valid until {}) for new connections",
                  settings.tls_certificate, tls->serial, tls->not_after);
    tls_loaded = tls_values();
    transport->set_tls(std::move(*tls));
  }
  // feature-server-address, resolved, probed, and its host names followed.
  void use_feature_servers() {
    resolved_feature_server = settings.feature_server_address;
    state.feature_servers.set_local_geo(settings.geo_location);
    state.feature_servers.assign(
        resolve_feature_servers(settings.feature_servers, settings.dns_server));
    ++feature_server_generation;
    prober->watch_feature_servers(state.feature_servers);
    if (refresher) watch_feature_server_names();
  }
  void watch_feature_server_names() {
    std::uint64_t generation = feature_server_generation;
    for (std::size_t i = 0; i < state.feature_servers.all().size(); ++i) {
      const routing::member& fs = state.feature_servers.all()[i];
      std::string host = fs.configured.substr(0, fs.configured.rfind(':'));
      asio::ip::address ip;
      if (transport::parse_ip(host, ip)) continue;
      refresher->watch(host, fs.address.address, "Feature Server " + fs.configured,
                       [this, generation, i](const asio::ip::address& a) {
                         // Only while the list it was watched for is the list in use.
                         if (generation == feature_server_generation)
                           state.feature_servers.all()[i].address.address = a;
                       });
    }
  }
  std::string resolved_feature_server;
  std::uint64_t feature_server_generation = 0;
  // SIP Server members and the feature server given by host name follow their DNS
  // records (resolved once, blocking, before serving; then by TTL through the resolver).
  void watch_host_names() {
    // Only names that come from a configured DNS server: names of the system resolver
    // may come from /etc/hosts, which c-ares queries do not read.
    if (resolver->status() || settings.dns_server.empty()) return;
    refresher =
        std::make_unique<host_refresher>(*resolver, timers, options.timers.dns_refresh_floor);
    for (auto& pair : servers.pairs()) {
      for (routing::member* m : {&pair.primary, pair.backup ? &*pair.backup : nullptr}) {
        if (!m) continue;
        std::string host = m->configured.substr(0, m->configured.rfind(':'));
        asio::ip::address ip;
        if (transport::parse_ip(host, ip)) continue;
        std::string what =
            fmt::format("SIP Server {} {}", pair.name, m == &pair.primary ? "primary" : "backup");
        refresher->watch(host, m->address.address, what,
                         [this, m, host](const asio::ip::address& a) {
                           m->address.address = a;
                           hosts.add(host, a);
                         });
      }
    }
    watch_feature_server_names();
  }
  void schedule_binding_expiry() {
    timers.after(std::chrono::seconds(1), [this] {
      if (std::size_t n = bindings->expire(registrar::wall_clock::now()))
        log::interaction("{} registration binding(s) expired", n);
      schedule_binding_expiry();
    });
  }
  void schedule_session_expiry() {
    timers.after(std::chrono::seconds(60), [this] {
      sessions->expire();
      core->dialogs().expire(std::chrono::steady_clock::now());
#ifdef __GLIBC__
      // glibc keeps freed memory inside its heap: after a burst (a registration storm,
      // a call peak) RSS would stay at the peak. Once a minute, give free pages back.
      ::malloc_trim(0);
#endif
      schedule_session_expiry();
    });
  }
  void check_drained();
};

proxy_server::proxy_server(config::settings settings, server_options options)
    : impl_(std::make_unique<impl>()) {
  impl& m = *impl_;
  m.settings = std::move(settings);
  m.options = options;
  const auto& s = m.settings;

  preflight(s);
  settle_mgmt_addresses(m.settings);
  std::string via_host = via_host_of(s);

  std::vector<routing::server_pair> pairs;
  for (const auto& app : s.servers) {
    routing::server_pair p;
    p.name = app.name;
    p.geo_location = app.geo_location;
    p.primary = make_member(app.primary, app.name, m.hosts, s.dns_server);
    if (app.backup) p.backup = make_member(*app.backup, app.name, m.hosts, s.dns_server);
    pairs.push_back(std::move(p));
  }
  m.servers = routing::server_table(std::move(pairs));

  std::vector<asio::ip::address> locals;
  asio::ip::address bound;
  if (!s.sip_address.empty() && transport::parse_ip(s.sip_address, bound)) {
    locals.push_back(bound);
  } else {
    locals = interface_addresses();
  }
  m.identity = std::make_unique<local_identity>(s, via_host, std::move(locals));
  auto signer = make_route_signer(s);
  m.routes = std::make_unique<route_signer>(signer.signer);
  log::standard("Record-Route parameters: MAC key {}{}", signer.source,
                signer.weak ? "; warning: whoever knows the deployment can forge them" : "");

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
  m.core = std::make_unique<proxy_core>(
      *m.layer,
      proxy_env{m.settings, *m.identity, m.servers, m.hosts, m.overload, *m.selector, *m.sessions,
                m.state, *m.bindings, m.pool_members, *m.routes},
      m.prober.get(), m.resolver.get());
  m.layer->set_user(*m.core);

  // A joining or restarted instance takes the pool's state before it serves.
  auto sync_bound = std::chrono::seconds(std::max(2 * s.wait_response_timeout, 10));
  if (std::string line = m.shared->sync_before_serving(sync_bound); !line.empty())
    log::standard("{}", line);

  transport::listen_options lo;
  lo.address = s.sip_address;
  lo.port = s.self.sip_port;
  lo.tos = s.sip_ip_tos;
  lo.max_connections_per_source = static_cast<std::size_t>(s.max_connections_per_source);
  lo.max_inbound = static_cast<std::size_t>(s.max_tcp_connections);
  lo.max_outbound = static_cast<std::size_t>(s.max_tcp_outbound_connections);
  if (s.self.tls_port != 0) {
    std::string error;
    auto tls = load_tls(s, error);
    if (!tls)
      throw startup_error(log::event_id::error_reading_config_data,
                          "Error while reading configuration data: " + error);
    lo.tls_port = s.self.tls_port;
    lo.tls = *tls;
    m.tls_loaded = m.tls_values();
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

  if (s.self.mgmt_port || s.self.http_port) {
    m.commands = std::make_unique<management>(management_view{
        m.settings, *m.identity, m.servers, *m.prober, *m.bindings, *m.sessions, *m.core, *m.layer,
        m.overload, [&m] { m.apply_runtime_options(); },
        [&m](bool on) { m.core->set_draining(on); }, *m.shared});
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
  m.use_feature_servers();
  m.watch_host_names();
  m.prober->start();
  m.shared->start();
  m.schedule_session_expiry();
  m.schedule_binding_expiry();

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

proxy_server::~proxy_server() {
  if (impl_ && impl_->driver) impl_->driver->stop();
}

void proxy_server::impl::begin_drain() {
  if (stopping) {
    io.stop();  // a second signal: stop now
    return;
  }
  stopping = true;
  prober->stop();
  shared->drain();
  if (refresher) refresher->stop();
  if (mgmt) mgmt->stop();
  if (http) http->stop();
  transport->stop_accepting();
  core->set_draining(true);
  drain_deadline = std::chrono::steady_clock::now() + options.timers.drain;
  check_drained();
}

void proxy_server::impl::check_drained() {
  std::size_t pending = layer->pending_server_count();
  if (pending == 0 || std::chrono::steady_clock::now() >= drain_deadline) {
    if (pending) log::standard("stopping with {} transaction(s) still pending", pending);
    driver->stop();
    transport->close_all();
    if (mgmt) mgmt->close_connections();
    shared->stop();
    signals.cancel();
    drain_timer.cancel();
    io.stop();
    return;
  }
  drain_timer.expires_after(std::chrono::milliseconds(100));
  drain_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) check_drained();
  });
}

int proxy_server::run() {
  impl& m = *impl_;
  m.signals.add(SIGINT);
  m.signals.add(SIGTERM);
  m.signals.add(SIGHUP);
  std::function<void()> wait = [this, &m, &wait] {
    m.signals.async_wait([this, &m, &wait](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        reload();
      } else {
        log::standard("signal {} received: draining (up to {:g} s), then stopping", sig,
                      std::chrono::duration<double>(m.options.timers.drain).count());
        m.begin_drain();
      }
      wait();
    });
  };
  wait();
  m.io.run();
  log::standard("{} stopped", m.settings.app);
  return 0;
}

void proxy_server::stop() {
  asio::post(impl_->io, [this] { impl_->begin_drain(); });
}

void proxy_server::reload() {
  impl& m = *impl_;
  config::settings fresh;
  try {
    fresh = config::load_deployment(m.settings.file, m.settings.app);
  } catch (const config::config_error& e) {
    log::event(log::event_id::error_reading_config_data,
               "reload refused, keeping the running "
               "configuration: {}",
               e.what());
    return;
  }
  int changed = 0;
  for (const auto& spec : config::options()) {
    std::string name(spec.name);
    const std::string& before = m.settings.values[name];
    const std::string& after = fresh.values[name];
    if (before == after) continue;
    // Secrets (mgmt-token, a Redis password) are never printed, only that they changed.
    std::string was = config::printable_value(name, before);
    std::string now = config::printable_value(name, after);
    if (config::is_secret_option(name) && !before.empty() && !after.empty())
      now = "(set, a different value)";
    if (spec.effect == config::takes_effect::after_restart) {
      log::standard(
          "reload: option '{}' changed ('{}' -> '{}') but takes effect after restart; "
          "still using '{}'",
          name, was, now, was);
      continue;
    }
    log::standard("reload: option '{}' changed from '{}' to '{}' (takes effect {})", name, was, now,
                  config::describe_effect(spec.effect));
    m.settings.values[name] = after;
    ++changed;
  }
  auto describe = [](const config::sip_server_app& a) {
    return fmt::format("primary {}:{}{} backup {} geo-location '{}'", a.primary.host,
                       a.primary.port, a.primary.tcp ? ";transport=tcp" : "",
                       a.backup ? fmt::format("{}:{}", a.backup->host, a.backup->port) : "none",
                       a.geo_location);
  };
  for (const auto& app : fresh.servers) {
    for (const auto& old : m.settings.servers) {
      if (old.name == app.name && describe(old) != describe(app))
        log::standard("reload: SIP Server [{}] changed ({} -> {}) but takes effect after restart",
                      app.name, describe(old), describe(app));
    }
  }
  // [log] takes effect immediately, as the Framework's log options do; the command line
  // still wins.
  if (fresh.log != m.settings.log) {
    if (std::string bad = log::apply(fresh.log, m.options.log_cli); !bad.empty()) {
      log::event(log::event_id::error_reading_config_data,
                 "reload: [log] output '{}' cannot be opened for appending; keeping the running "
                 "log options",
                 bad);
      log::apply(m.settings.log, m.options.log_cli);
    } else {
      log::standard("reload: [log] applied{}",
                    m.options.log_cli.verbose || !m.options.log_cli.file.empty()
                        ? " (the command line's --log-level/--log-file still win)"
                        : "");
      m.settings.log = fresh.log;
      ++changed;
    }
  }
  // The certificate and key files are read again even when their names did not change
  // (a renewed certificate is written over the old one).
  for (const auto& [name, line] : fresh.lines) {
    if (name.starts_with("tls-")) m.settings.lines[name] = line;
  }
  m.tls_loaded.clear();
  m.apply_runtime_options();
  log::standard("reload of {} done: {} option(s) applied", m.settings.file, changed);
}

}  // namespace sipproxy::proxy
