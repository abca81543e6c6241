// A Redis Cluster redirection, parsed from an error reply (no I/O):
//   -MOVED 3999 127.0.0.1:6381   the slot now lives there: update the map, resend
//   -ASK 3999 127.0.0.1:6381     this once, ask there (ASKING first): the slot is
//                                being migrated; the map is left as it is
// Anything else (another error, a malformed redirection) is no redirection.
#pragma once

#include <optional>
#include <string_view>

#include "config/shared_storage.hpp"

namespace sipproxy::cluster {

struct redis_redirect {
  enum class kind { moved, ask };
  kind how;
  unsigned slot;
  config::redis_address to;
};

std::optional<redis_redirect> parse_redirect(std::string_view error);

// How many redirections one command may follow before it counts as a failure.
inline constexpr int max_redirections = 5;

}  // namespace sipproxy::cluster
