#include "transport/peer.hpp"

#include <fmt/format.h>

namespace sipproxy::transport {

namespace {

// By the enumerator's value: udp, tcp, tls.
constexpr std::string_view protocol_names[] = {"UDP", "TCP", "TLS"};
constexpr std::string_view protocol_params[] = {"udp", "tcp", "tls"};

}  // namespace

std::string_view protocol_name(protocol p) {
  return protocol_names[static_cast<std::size_t>(p)];
}

std::string_view protocol_param(protocol p) {
  return protocol_params[static_cast<std::size_t>(p)];
}

std::string peer::to_string() const {
  std::string addr = ip_text(address);
  if (address.is_v6()) addr = "[" + addr + "]";
  return fmt::format("{}:{}:{}", protocol_param(proto), addr, port);
}

std::string ip_text(const boost::asio::ip::address& a) {
  if (!a.is_v4()) return a.to_string();
  auto b = a.to_v4().to_bytes();
  char buf[16];
  char* out = buf;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i) *out++ = '.';
    unsigned v = b[i];
    if (v >= 100) *out++ = static_cast<char>('0' + v / 100);
    if (v >= 10) *out++ = static_cast<char>('0' + v / 10 % 10);
    *out++ = static_cast<char>('0' + v % 10);
  }
  return std::string(buf, out);
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
