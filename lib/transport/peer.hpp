// Where a message came from or goes to: transport, address, port and, on TCP or TLS, the
// connection (flow) it belongs to.
#pragma once

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>

namespace sipproxy::transport {

enum class protocol : std::uint8_t { udp, tcp, tls };

std::string_view protocol_name(protocol p);  // "UDP", "TCP", "TLS"
// "udp", "tcp", "tls": the transport parameter's value.
std::string_view protocol_param(protocol p);
// TCP and TLS: a connection, messages framed by Content-Length (RFC 3261 §18.3).
inline bool is_stream(protocol p) {
  return p != protocol::udp;
}

struct peer {
  protocol proto = protocol::udp;
  boost::asio::ip::address address;
  std::uint16_t port = 0;
  std::uint64_t connection = 0;  // TCP, TLS: the flow to prefer (0: any connection to address:port)

  std::string to_string() const;  // "udp:127.0.0.1:5060"
};

// The address as text ("192.0.2.1", "2001:db8::1"), without inet_ntop's sprintf for IPv4:
// requests get it for their Via's received parameter.
std::string ip_text(const boost::asio::ip::address& a);

// Parses a numeric IPv4/IPv6 literal (brackets allowed); false (and `out` untouched) when
// it is not one.
bool parse_ip(std::string_view text, boost::asio::ip::address& out);

// Unmaps ::ffff:a.b.c.d to the IPv4 address, so comparisons see one form.
boost::asio::ip::address normalize(const boost::asio::ip::address& a);

}  // namespace sipproxy::transport

// "udp:127.0.0.1:5060" in log lines, formatted only when the line is written.
template <>
struct fmt::formatter<sipproxy::transport::peer> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const sipproxy::transport::peer& p, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(p.to_string(), ctx);
  }
};
