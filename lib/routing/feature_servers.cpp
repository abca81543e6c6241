#include "routing/feature_servers.hpp"

#include "log/logger.hpp"

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
  std::vector<const member*> local, other;
  for (const auto& m : servers_) {
    if (m.state != member_state::active) continue;
    bool here = geo_.empty() || m.geo_location.empty() || m.geo_location == geo_;
    (here ? local : other).push_back(&m);
  }
  if (local.empty() != using_other_locations_ && !(local.empty() && other.empty())) {
    using_other_locations_ = local.empty();
    if (using_other_locations_)
      log::standard(
          "load balancing: no Feature Server of geo-location '{}' is available; using other "
          "locations",
          geo_);
    else
      log::standard("load balancing: Feature Servers of geo-location '{}' available again", geo_);
  }
  const auto& live = local.empty() ? other : local;
  if (live.empty()) return nullptr;
  if (method == balance_method::random) {
    std::uniform_int_distribution<std::size_t> d(0, live.size() - 1);
    return live[d(rng_)];
  }
  return live[next_++ % live.size()];
}

}  // namespace sipproxy::routing
