// Where a message came from or goes to: transport, address, port and, on TCP, the
// connection (flow) it belongs to.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>

namespace sipproxy::transport {

enum class protocol : std::uint8_t { udp, tcp };

std::string_view protocol_name(protocol p);  // "UDP", "TCP"

struct peer {
  protocol proto = protocol::udp;
  boost::asio::ip::address address;
  std::uint16_t port = 0;
  std::uint64_t connection = 0;  // TCP: the flow to prefer (0: any connection to address:port)

  std::string to_string() const;  // "udp:127.0.0.1:5060"
};

// Parses a numeric IPv4/IPv6 literal (brackets allowed); false (and `out` untouched) when
// it is not one.
bool parse_ip(std::string_view text, boost::asio::ip::address& out);

// Unmaps ::ffff:a.b.c.d to the IPv4 address, so comparisons see one form.
boost::asio::ip::address normalize(const boost::asio::ip::address& a);

}  // namespace sipproxy::transport
