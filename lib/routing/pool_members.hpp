// The other instances of the pool (sipproxy-applications) as SIP next hops: the SIP port
// of each at its host. A request to an endpoint whose flow another instance holds goes
// there (RFC 3327 Path-style), and requests from them are trusted like a SIP Server's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "transport/peer.hpp"

namespace sipproxy::routing {

struct pool_member {
  std::string name;     // the proxy application
  transport::peer sip;  // UDP, its host and sip-port
};

class pool_members {
 public:
  pool_members() = default;
  explicit pool_members(std::vector<pool_member> members) : members_(std::move(members)) {}

  const pool_member* find(std::string_view name) const;
  // The instance a message came from or a next hop goes to: its SIP address and port
  // (over TCP, the address alone: the source port of a connection is any port).
  const pool_member* at(const transport::peer& p) const;
  const std::vector<pool_member>& all() const { return members_; }

 private:
  std::vector<pool_member> members_;
};

}  // namespace sipproxy::routing
