#include "mgmt/token_guard.hpp"

#include <algorithm>

namespace sipproxy::mgmt {

long token_guard::locked_for(const std::string& source, clock::time_point now) const {
  auto it = by_source_.find(source);
  if (it == by_source_.end() || it->second.locked_until <= now) return 0;
  auto left = std::chrono::ceil<std::chrono::seconds>(it->second.locked_until - now);
  return static_cast<long>(left.count());
}

bool token_guard::record_failure(const std::string& source, clock::time_point now) {
  if (by_source_.find(source) == by_source_.end()) make_room(now);
  entry& e = by_source_[source];
  if (e.failures == 0 || now - e.first >= limits_.window) {
    e.failures = 0;
    e.first = now;
  }
  if (++e.failures < limits_.max_failures) return false;
  e.failures = 0;
  e.locked_until = now + limits_.lockout;
  return true;
}

void token_guard::record_success(const std::string& source) {
  by_source_.erase(source);
}

bool token_guard::may_log(clock::time_point now, std::size_t& suppressed) {
  if (now - log_window_start_ >= limits_.window) {
    log_window_start_ = now;
    logged_in_window_ = 0;
  }
  if (logged_in_window_ >= limits_.log_burst) {
    ++suppressed_;
    return false;
  }
  ++logged_in_window_;
  suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

void token_guard::make_room(clock::time_point now) {
  if (by_source_.size() < limits_.max_sources) return;
  std::erase_if(by_source_, [&](const auto& kv) {
    const entry& e = kv.second;
    return e.locked_until <= now && (e.failures == 0 || now - e.first >= limits_.window);
  });
  if (by_source_.size() < limits_.max_sources) return;
  // Still full of live entries: the one whose news is oldest goes.
  auto oldest =
      std::min_element(by_source_.begin(), by_source_.end(), [](const auto& a, const auto& b) {
        return std::max(a.second.first, a.second.locked_until) <
               std::max(b.second.first, b.second.locked_until);
      });
  by_source_.erase(oldest);
}

}  // namespace sipproxy::mgmt
