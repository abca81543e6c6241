// Opens, binds and listens a TCP acceptor for the management and HTTP ports.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>

namespace sipproxy::mgmt {

// Empty on success, else a sentence naming `what`, the address and the reason.
std::string listen_tcp(boost::asio::ip::tcp::acceptor& acceptor,
                       const boost::asio::ip::address& address, std::uint16_t port,
                       std::string_view what);

}  // namespace sipproxy::mgmt
