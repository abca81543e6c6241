#include "transport/peer.hpp"

#include <fmt/format.h>

namespace sipproxy::transport {

std::string_view protocol_name(protocol p) {
  return p == protocol::udp ? "UDP" : "TCP";
}

std::string peer::to_string() const {
  std::string addr = address.to_string();
  if (address.is_v6()) addr = "[" + addr + "]";
  return fmt::format("{}:{}:{}", proto == protocol::udp ? "udp" : "tcp", addr, port);
}

bool parse_ip(std::string_view text, boost::asio::ip::address& out) {
  if (text.size() > 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return false;  // `out` is left as it was
  out = normalize(a);
  return true;
}

boost::asio::ip::address normalize(const boost::asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  return a;
}

}  // namespace sipproxy::transport
