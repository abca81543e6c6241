#include "routing/pool_members.hpp"

namespace sipproxy::routing {

const pool_member* pool_members::find(std::string_view name) const {
  for (const auto& m : members_) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

const pool_member* pool_members::at(const transport::peer& p) const {
  auto a = transport::normalize(p.address);
  for (const auto& m : members_) {
    if (m.sip.address != a) continue;
    if (p.proto == transport::protocol::tcp || m.sip.port == p.port) return &m;
  }
  return nullptr;
}

}  // namespace sipproxy::routing
