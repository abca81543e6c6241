#include "routing/next_hop.hpp"

namespace sipproxy::routing {

std::optional<boost::asio::ip::address> host_table::find(std::string_view name) const {
  auto it = names_.find(name);
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

std::optional<transport::peer> next_hop(const sip::uri& u, const host_table& hosts) {
  transport::peer p;
  std::string t = u.transport();
  if (t == "udp") {
    p.proto = transport::protocol::udp;
  } else if (t == "tcp") {
    p.proto = transport::protocol::tcp;
  } else {
    return std::nullopt;
  }
  p.port = u.port ? u.port : 5060;
  if (!transport::parse_ip(u.host, p.address)) {
    auto a = hosts.find(u.host);
    if (!a) return std::nullopt;
    p.address = *a;
  }
  return p;
}

}  // namespace sipproxy::routing
