// Who the proxy is on the wire: the host and port it writes in Via and Record-Route, and
// the names and addresses by which a URI designates it (RFC 3261 §16.4: "a value the
// proxy placed", §16.5: requests addressed to the proxy).
#pragma once

#include <boost/asio/ip/address.hpp>
#include <string>
#include <vector>

#include "config/settings.hpp"

namespace sipproxy::proxy {

class local_identity {
 public:
  // `via_host`: what goes in Via (host name, or the resolved IP with resolve-host).
  // `local_addresses`: this host's interface addresses (the bound one if sip-address is set).
  local_identity(const config::settings& s, std::string via_host,
                 std::vector<boost::asio::ip::address> local_addresses);

  const std::string& via_host() const { return via_host_; }
  std::uint16_t port() const { return port_; }
  // Record-Route host and port: contact-address when set, else the Via host and SIP port.
  const std::string& rr_host() const { return rr_host_; }
  std::uint16_t rr_port() const { return rr_port_; }
  // sip-tls-port (0: none): the port of Via and Record-Route where the hop is TLS.
  std::uint16_t tls_port() const { return tls_port_; }

  // The one name registrations at this proxy are kept under: internal-domain, else the
  // Record-Route host.
  const std::string& domain() const { return domain_.empty() ? rr_host_ : domain_; }

  // Whether host[:port] (port 0 = absent) designates this proxy.
  bool is_local(std::string_view host, std::uint16_t port) const;
  // Whether a Via sent-by is one this proxy writes.
  bool is_own_via(std::string_view host, std::uint16_t port) const;

 private:
  std::string via_host_;
  std::uint16_t port_;
  std::string rr_host_;
  std::uint16_t rr_port_;
  std::uint16_t tls_port_;
  // host:port pairs that designate us: our host, Via host and contact-address, and the
  // other instances of the pool (a Route to any of them is a Route to the pool).
  std::vector<std::pair<std::string, std::uint16_t>> aliases_;
  std::string domain_;  // internal-domain: matches with or without a port
  std::vector<boost::asio::ip::address> addresses_;
};

}  // namespace sipproxy::proxy
