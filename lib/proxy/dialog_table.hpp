// The dialogs this instance saw established (a 2xx to an initial INVITE) and not yet
// ended (a 2xx to their BYE), by SIP Server pair: what `sipproxyctl dialogs` and /metrics
// count. Keyed by Call-ID and the two tags (in either order). Dialogs that end without a
// BYE through this instance (another pool member, a lost BYE) are dropped after 12 h; at
// most 1,000,000 are kept.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sipproxy::proxy {

class dialog_table {
 public:
  using clock = std::chrono::steady_clock;
  static std::string key(std::string_view call_id, std::string_view tag_a, std::string_view tag_b);

  void established(std::string key, std::optional<std::size_t> pair, clock::time_point now);
  void ended(const std::string& key);
  std::size_t expire(clock::time_point now, std::chrono::hours idle = std::chrono::hours(12));

  std::size_t size() const { return dialogs_.size(); }
  // Dialogs by pair index (index pairs.size() counts dialogs with no SIP Server).
  std::vector<std::size_t> by_pair(std::size_t pairs) const;

 private:
  struct entry {
    std::optional<std::size_t> pair;
    clock::time_point since;
  };
  std::unordered_map<std::string, entry> dialogs_;
};

}  // namespace sipproxy::proxy
