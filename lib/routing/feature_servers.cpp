#include "routing/feature_servers.hpp"

namespace sipproxy::routing {

void feature_servers::assign(std::vector<member> servers) {
  servers_ = std::move(servers);
  next_ = 0;
}

const member* feature_servers::at(const boost::asio::ip::address& a, std::uint16_t port) const {
  for (const auto& m : servers_) {
    if (m.address.address == a && m.address.port == port) return &m;
  }
  return nullptr;
}

const member* feature_servers::by_configured(std::string_view configured) const {
  for (const auto& m : servers_) {
    if (m.configured == configured) return &m;
  }
  return nullptr;
}

const member* feature_servers::pick(balance_method method) {
  std::vector<const member*> live;
  for (const auto& m : servers_) {
    if (m.state == member_state::active) live.push_back(&m);
  }
  if (live.empty()) return nullptr;
  if (method == balance_method::random) {
    std::uniform_int_distribution<std::size_t> d(0, live.size() - 1);
    return live[d(rng_)];
  }
  return live[next_++ % live.size()];
}

}  // namespace sipproxy::routing
