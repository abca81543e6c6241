#include "proxy/local_identity.hpp"

#include <charconv>

#include "sip/header_id.hpp"
#include "transport/peer.hpp"

namespace sipproxy::proxy {

namespace {

// "host:port" → host, port (0 when absent).
std::pair<std::string, std::uint16_t> split_host_port(const std::string& hp) {
  std::size_t colon = hp.rfind(':');
  if (colon == std::string::npos || hp.find(']', colon) != std::string::npos) return {hp, 0};
  unsigned port = 0;
  std::from_chars(hp.data() + colon + 1, hp.data() + hp.size(), port);
  return {hp.substr(0, colon), static_cast<std::uint16_t>(port)};
}

}  // namespace

local_identity::local_identity(const config::settings& s, std::string via_host,
                               std::vector<boost::asio::ip::address> local_addresses)
    : via_host_(std::move(via_host)),
      port_(s.self.sip_port),
      tls_port_(s.self.tls_port),
      domain_(s.internal_domain),
      addresses_(std::move(local_addresses)) {
  rr_host_ = via_host_;
  rr_port_ = port_;
  if (!s.contact_address.empty()) {
    auto [h, p] = split_host_port(s.contact_address);
    rr_host_ = h;
    if (p) rr_port_ = p;
  }
  for (const auto& n : {via_host_, s.self.host, s.sip_address}) {
    if (n.empty()) continue;
    aliases_.emplace_back(n, port_);
    if (tls_port_) aliases_.emplace_back(n, tls_port_);
  }
  aliases_.emplace_back(rr_host_, rr_port_);
  if (tls_port_) aliases_.emplace_back(rr_host_, tls_port_);
  for (const auto& p : s.proxies) {
    if (p.host.empty()) continue;
    aliases_.emplace_back(p.host, p.sip_port);
    if (p.tls_port) aliases_.emplace_back(p.host, p.tls_port);
  }
}

bool local_identity::is_local(std::string_view host, std::uint16_t port) const {
  std::uint16_t p = port ? port : 5060;
  if (!domain_.empty() && sip::iequals(host, domain_) && (port == 0 || p == port_ || p == rr_port_))
    return true;
  for (const auto& [name, alias_port] : aliases_) {
    if (p == alias_port && sip::iequals(host, name)) return true;
  }
  if (p != port_ && p != rr_port_ && (tls_port_ == 0 || p != tls_port_)) return false;
  boost::asio::ip::address a;
  if (transport::parse_ip(host, a)) {
    for (const auto& mine : addresses_) {
      if (mine == a) return true;
    }
  }
  return false;
}

bool local_identity::is_own_via(std::string_view host, std::uint16_t port) const {
  std::uint16_t p = port ? port : 5060;
  return sip::iequals(host, via_host_) && (p == port_ || (tls_port_ != 0 && p == tls_port_));
}

}  // namespace sipproxy::proxy
