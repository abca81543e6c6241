#include "routing/session_table.hpp"

namespace sipproxy::routing {

void memory_session_table::record(std::string_view call_id, std::size_t pair_index) {
  if (call_id.empty()) return;
  auto it = entries_.find(call_id);
  if (it != entries_.end()) {
    it->second = entry{pair_index, now_()};
    return;
  }
  if (entries_.size() >= capacity_) return;
  entries_.emplace(std::string(call_id), entry{pair_index, now_()});
}

std::optional<std::size_t> memory_session_table::lookup(std::string_view call_id) {
  auto it = entries_.find(call_id);
  if (it == entries_.end()) return std::nullopt;
  it->second.last_used = now_();
  return it->second.pair;
}

std::size_t memory_session_table::expire(clock::time_point now) {
  return std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.last_used > idle_; });
}

}  // namespace sipproxy::routing
