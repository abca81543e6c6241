#include "cluster/shared_state.hpp"

#include <fmt/format.h>

namespace sipproxy::cluster {

mgmt::json shared_state::peers_reply() const {
  mgmt::json reply{{"peers", peer_links().value_or(mgmt::json::array())},
                   {"records", records()},
                   {"digest", digest_text()}};
  add_peers_details(reply);
  return reply;
}

std::size_t shared_state::records() const {
  return bindings_.size() + bindings_.tombstones() + sessions_.size();
}

std::string shared_state::digest_text() const {
  return fmt::format("{:016x}", digest());
}

}  // namespace sipproxy::cluster
