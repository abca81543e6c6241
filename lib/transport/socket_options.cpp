#include "transport/socket_options.hpp"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cerrno>
#include <cstring>

#include "log/logger.hpp"

namespace sipproxy::transport {

bool apply_tos(int fd, bool v4, int tos) {
  if (tos < 0 || tos > 255) return true;
  int level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
  int name = v4 ? IP_TOS : IPV6_TCLASS;
  if (::setsockopt(fd, level, name, &tos, sizeof tos) == 0) return true;
  static std::atomic<bool> told{false};
  if (!told.exchange(true))
    log::standard("sip-ip-tos {}: the operating system refused it ({}); using its default", tos,
                  std::strerror(errno));
  return false;
}

bool is_local_address(const boost::asio::ip::address& a) {
  if (a.is_loopback()) return true;
  boost::asio::io_context io;
  boost::asio::ip::udp::socket s(io);
  boost::system::error_code ec;
  s.open(a.is_v4() ? boost::asio::ip::udp::v4() : boost::asio::ip::udp::v6(), ec);
  if (ec) return false;
  s.bind(boost::asio::ip::udp::endpoint(a, 0), ec);
  return !ec;
}

}  // namespace sipproxy::transport
