// At most one log line per interval for a condition an attacker can repeat at will (a
// flood of refused connections): allow() says whether to write one now, and how many
// occurrences were held back since the last line written, so nothing goes uncounted.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace sipproxy::log {

class throttle {
 public:
  using clock = std::chrono::steady_clock;
  explicit throttle(
      clock::duration interval = std::chrono::seconds(1),
      std::function<clock::time_point()> now = [] { return clock::now(); })
      : interval_(interval), now_(std::move(now)) {}

  // One occurrence. A value: write a line now, mentioning that many held back since the
  // last one. nullopt: held back.
  std::optional<std::uint64_t> allow();

 private:
  clock::duration interval_;
  std::function<clock::time_point()> now_;
  std::optional<clock::time_point> last_;
  std::uint64_t held_back_ = 0;
};

}  // namespace sipproxy::log
