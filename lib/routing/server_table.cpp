#include "routing/server_table.hpp"

namespace sipproxy::routing {

std::string_view member_state_name(member_state s) {
  switch (s) {
    case member_state::active:
      return "active";
    case member_state::inactive:
      return "inactive";
    case member_state::out_of_service:
      return "out-of-service";
  }
  return "unknown";
}

server_table::server_table(std::vector<server_pair> pairs) : pairs_(std::move(pairs)) {
  for (std::size_t i = 0; i < pairs_.size(); ++i) pairs_[i].index = i;
}

const server_pair* server_table::by_index(std::size_t index) const {
  return index < pairs_.size() ? &pairs_[index] : nullptr;
}

const server_pair* server_table::by_name(std::string_view name) const {
  for (const auto& p : pairs_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const member* server_table::active_member(const server_pair& pair) const {
  if (pair.primary.state == member_state::active) return &pair.primary;
  if (pair.backup && pair.backup->state == member_state::active) return &*pair.backup;
  return nullptr;
}

const member* server_table::dialog_member(const server_pair& pair) const {
  if (const member* m = active_member(pair)) return m;
  if (pair.primary.state == member_state::inactive) return &pair.primary;
  if (pair.backup && pair.backup->state == member_state::inactive) return &*pair.backup;
  return nullptr;
}

const server_pair* server_table::pair_at(const boost::asio::ip::address& a,
                                         std::uint16_t port) const {
  for (const auto& p : pairs_) {
    if (p.primary.address.address == a && p.primary.address.port == port) return &p;
    if (p.backup && p.backup->address.address == a && p.backup->address.port == port) return &p;
  }
  return nullptr;
}

const server_pair* server_table::pair_of(const transport::peer& from,
                                         std::uint16_t via_port) const {
  if (const server_pair* p = pair_at(from.address, from.port)) return p;
  if (from.proto == transport::protocol::tcp)
    return pair_at(from.address, via_port ? via_port : 5060);
  return nullptr;
}

}  // namespace sipproxy::routing
