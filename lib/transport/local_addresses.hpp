// This machine's own addresses and name: what startup checks the deployment against (the
// instance's host must be one of them) and what a loop check compares a source with.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <string>
#include <vector>

namespace sipproxy::transport {

// Whether `a` is an address of this host (a socket can be bound to it).
bool is_local_address(const boost::asio::ip::address& a);

// The addresses of this host's interfaces (getifaddrs), IPv4 and IPv6, loopback included.
std::vector<boost::asio::ip::address> interface_addresses();

// This host's name (gethostname), or "localhost" when it cannot be read.
std::string local_host_name();

}  // namespace sipproxy::transport
