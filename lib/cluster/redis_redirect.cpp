#include "cluster/redis_redirect.hpp"

#include <charconv>
#include <stdexcept>

namespace sipproxy::cluster {

std::optional<redis_redirect> parse_redirect(std::string_view error) {
  redis_redirect r{};
  if (error.substr(0, 6) == "MOVED ") {
    r.how = redis_redirect::kind::moved;
    error.remove_prefix(6);
  } else if (error.substr(0, 4) == "ASK ") {
    r.how = redis_redirect::kind::ask;
    error.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  auto space = error.find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  auto [p, ec] = std::from_chars(error.data(), error.data() + space, r.slot);
  if (ec != std::errc() || p != error.data() + space || r.slot >= 16384) return std::nullopt;
  std::string_view where = error.substr(space + 1);
  // Redis 7 may answer ":PORT" alone when the node does not know its own address: the
  // address is then the one the command went to, which the caller knows, not us.
  if (where.empty() || where.front() == ':') return std::nullopt;
  try {
    auto t = config::parse_shared_storage("redis://" + std::string(where));
    r.to = t->nodes.front();
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
  return r;
}

}  // namespace sipproxy::cluster
