#include "mgmt/listen_tcp.hpp"

#include <fmt/format.h>

namespace sipproxy::mgmt {

std::string listen_tcp(boost::asio::ip::tcp::acceptor& acceptor,
                       const boost::asio::ip::address& address, std::uint16_t port,
                       std::string_view what) {
  using boost::asio::ip::tcp;
  boost::system::error_code ec;
  tcp::endpoint ep(address, port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(16, ec);
  if (ec) return fmt::format("{} {}:{}: {}", what, address.to_string(), port, ec.message());
  return {};
}

}  // namespace sipproxy::mgmt
