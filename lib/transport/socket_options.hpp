// Socket settings shared by the UDP and TCP transports.
#pragma once

#include <boost/asio/ip/address.hpp>

namespace sipproxy::transport {

// Whether `a` is an address of this host (a socket can be bound to it).
bool is_local_address(const boost::asio::ip::address& a);

// Sets the IP TOS byte (IPv6: traffic class) from sip-ip-tos; 256 leaves the OS default.
// Logs, once per process, when the OS refuses it. Returns false when refused.
bool apply_tos(int fd, bool v4, int tos);

}  // namespace sipproxy::transport
