#include "routing/pair_selector.hpp"

#include <vector>

#include "log/logger.hpp"

namespace sipproxy::routing {

pair_selector::pair_selector(const server_table& servers, std::string geo_location)
    : servers_(servers), geo_(std::move(geo_location)) {}

const server_pair* pair_selector::pick_from(
    bool own_location, const std::function<bool(const server_pair&)>& allowed) {
  const auto& pairs = servers_.pairs();
  std::vector<const server_pair*> candidates;
  for (const auto& p : pairs) {
    bool local = geo_.empty() || p.geo_location.empty() || p.geo_location == geo_;
    if (local != own_location) continue;
    if (!servers_.active_member(p)) continue;
    if (allowed && !allowed(p)) continue;
    candidates.push_back(&p);
  }
  if (candidates.empty()) return nullptr;
  if (method_ == balance_method::random) {
    std::uniform_int_distribution<std::size_t> d(0, candidates.size() - 1);
    return candidates[d(rng_)];
  }
  return candidates[next_++ % candidates.size()];
}

const server_pair* pair_selector::pick(const std::function<bool(const server_pair&)>& allowed) {
  if (const server_pair* p = pick_from(true, allowed)) {
    if (using_other_locations_) {
      using_other_locations_ = false;
      log::standard("load balancing: SIP Servers of geo-location '{}' available again", geo_);
    }
    return p;
  }
  const server_pair* p = pick_from(false, allowed);
  if (p && !using_other_locations_) {
    using_other_locations_ = true;
    log::standard(
        "load balancing: no SIP Server of geo-location '{}' is available; using other "
        "locations",
        geo_);
  }
  return p;
}

}  // namespace sipproxy::routing
