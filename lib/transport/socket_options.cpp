#include "transport/socket_options.hpp"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include <atomic>
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

}  // namespace sipproxy::transport
