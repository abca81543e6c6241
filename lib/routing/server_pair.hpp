// SIP Server HA pairs (the `applications` sections) and the state of their members.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "transport/peer.hpp"

namespace sipproxy::routing {

enum class member_state {
  active,          // answers; new dialogs may go to it
  inactive,        // answered 503: keeps its dialogs, gets no new ones (the seed's inactive state)
  out_of_service,  // does not answer
};

std::string_view member_state_name(member_state s);

struct member {
  std::string configured;  // "host:port" as written
  transport::peer address;
  member_state state = member_state::active;
  std::string geo_location;  // a Feature Server's data centre (a SIP Server's is its pair's)
};

struct server_pair {
  std::string name;
  std::size_t index = 0;  // position in `applications`: the SIP Server index in Record-Route
  member primary;
  std::optional<member> backup;
  std::string geo_location;
};

}  // namespace sipproxy::routing
