// A host name through the system resolver (getaddrinfo: /etc/hosts, then DNS as
// /etc/nsswitch.conf says), blocking. For startup only, before the event loop serves:
// the data plane resolves through dns::resolver.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>

namespace sipproxy::dns {

// The first IPv4 address of `host`, else its first IPv6 address; nullopt when it does
// not resolve. An IP literal (IPv6 with or without brackets) is itself; an IPv4-mapped
// IPv6 address comes back as IPv4.
std::optional<boost::asio::ip::address> system_lookup(const std::string& host);

}  // namespace sipproxy::dns
