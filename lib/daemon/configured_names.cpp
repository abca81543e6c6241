#include "daemon/configured_names.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "daemon/startup_error.hpp"
#include "dns/sip_resolver.hpp"
#include "dns/system_lookup.hpp"
#include "log/logger.hpp"
#include "sip/cseq.hpp"
#include "transport/local_addresses.hpp"
#include "transport/peer.hpp"

namespace sipproxy::daemon {

namespace asio = boost::asio;

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

std::optional<asio::ip::address> resolve_configured(const std::string& dns_server,
                                                    const std::string& host) {
  asio::ip::address ip;
  if (transport::parse_ip(host, ip)) return ip;
  if (dns_server.empty()) return dns::system_lookup(host);
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

std::string via_host_of(const config::settings& s) {
  if (!s.sip_address.empty()) return s.sip_address;
  std::string host = s.self.host.empty() ? transport::local_host_name() : s.self.host;
  if (!s.resolve_host) return host;
  auto ip = dns::system_lookup(host);
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

namespace {

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

}  // namespace

std::vector<routing::server_pair> server_pairs_of(const config::settings& s,
                                                  routing::host_table& hosts) {
  std::vector<routing::server_pair> pairs;
  for (const auto& app : s.servers) {
    routing::server_pair p;
    p.name = app.name;
    p.geo_location = app.geo_location;
    p.primary = make_member(app.primary, app.name, hosts, s.dns_server);
    if (app.backup) p.backup = make_member(*app.backup, app.name, hosts, s.dns_server);
    pairs.push_back(std::move(p));
  }
  return pairs;
}

routing::pool_members pool_members_of(const config::settings& s) {
  std::vector<routing::pool_member> out;
  for (const auto& name : s.sipproxy_applications) {
    if (name == s.app) continue;
    for (const auto& p : s.proxies) {
      if (p.name != name) continue;
      auto ip =
          resolve_configured(s.dns_server, p.host.empty() ? transport::local_host_name() : p.host);
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

std::vector<routing::member> resolve_feature_servers(
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
        s.self.mgmt_address, s.self.host.empty() ? transport::local_host_name() : s.self.host);
}

}  // namespace sipproxy::daemon
