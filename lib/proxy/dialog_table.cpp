#include "proxy/dialog_table.hpp"

namespace sipproxy::proxy {

std::string dialog_table::key(std::string_view call_id, std::string_view tag_a,
                              std::string_view tag_b) {
  if (tag_b < tag_a) std::swap(tag_a, tag_b);
  std::string k(call_id);
  k.append("|").append(tag_a).append("|").append(tag_b);
  return k;
}

void dialog_table::established(std::string key, std::optional<std::size_t> pair,
                               clock::time_point now) {
  if (dialogs_.size() >= 1000000 && !dialogs_.count(key)) return;
  dialogs_.insert_or_assign(std::move(key), entry{pair, now});
}

void dialog_table::ended(const std::string& key) {
  dialogs_.erase(key);
}

std::size_t dialog_table::expire(clock::time_point now, std::chrono::hours idle) {
  return std::erase_if(dialogs_, [&](const auto& kv) { return now - kv.second.since > idle; });
}

std::vector<std::size_t> dialog_table::by_pair(std::size_t pairs) const {
  std::vector<std::size_t> out(pairs + 1, 0);
  for (const auto& [k, e] : dialogs_) {
    if (e.pair && *e.pair < pairs) {
      ++out[*e.pair];
    } else {
      ++out[pairs];
    }
  }
  return out;
}

}  // namespace sipproxy::proxy
