// The SIP Server pairs of the deployment, found by index, name or source address, and
// the one place that says which member of a pair takes new requests (the seam the
// out-of-service detection drives).
#pragma once

#include <vector>

#include "routing/server_pair.hpp"

namespace sipproxy::routing {

class server_table {
 public:
  explicit server_table(std::vector<server_pair> pairs);

  const std::vector<server_pair>& pairs() const { return pairs_; }
  std::vector<server_pair>& pairs() { return pairs_; }
  const server_pair* by_index(std::size_t index) const;
  const server_pair* by_name(std::string_view name) const;

  // The member that takes new requests: the primary while it is active, else the
  // backup while it is active; nullptr when the pair is unavailable.
  const member* active_member(const server_pair& pair) const;
  // The member for requests within existing dialogs: as above, but an inactive member
  // still takes them.
  const member* dialog_member(const server_pair& pair) const;

  // The pair a message came from: its source address and port is a member's (UDP), or
  // for TCP its source IP is a member's and its top Via sent-by port is that member's port.
  const server_pair* pair_of(const transport::peer& from, std::uint16_t via_port) const;
  // Whether address:port is a configured member.
  const server_pair* pair_at(const boost::asio::ip::address& a, std::uint16_t port) const;

 private:
  std::vector<server_pair> pairs_;
};

}  // namespace sipproxy::routing
