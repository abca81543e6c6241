#include "dns/system_lookup.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>

namespace sipproxy::dns {

namespace asio = boost::asio;

namespace {

asio::ip::address unmapped(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a;
}

std::optional<asio::ip::address> literal(std::string_view text) {
  if (text.size() > 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  boost::system::error_code ec;
  auto a = asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return unmapped(a);
}

}  // namespace

std::optional<asio::ip::address> system_lookup(const std::string& host) {
  if (auto a = literal(host)) return a;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return std::nullopt;
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(res, &::freeaddrinfo);
  for (addrinfo* p = res; p; p = p->ai_next) {
    if (p->ai_family == AF_INET) {
      auto* sa = reinterpret_cast<sockaddr_in*>(p->ai_addr);
      return asio::ip::address_v4(ntohl(sa->sin_addr.s_addr));
    }
  }
  for (addrinfo* p = res; p; p = p->ai_next) {
    if (p->ai_family == AF_INET6) {
      auto* sa = reinterpret_cast<sockaddr_in6*>(p->ai_addr);
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), sa->sin6_addr.s6_addr, 16);
      return unmapped(asio::ip::address_v6(b));
    }
  }
  return std::nullopt;
}

}  // namespace sipproxy::dns
