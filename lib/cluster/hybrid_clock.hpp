// A hybrid logical clock in milliseconds: wall time, but never behind a stamp this
// instance has issued or seen. A deletion made after seeing a binding is therefore
// always newer than that binding, even when this host's clock is behind the writer's.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>

namespace sipproxy::cluster {

class hybrid_clock {
 public:
  using wall = std::chrono::system_clock;
  hybrid_clock() : now_([] { return wall::now(); }) {}
  explicit hybrid_clock(std::function<wall::time_point()> now) : now_(std::move(now)) {}

  // A stamp newer than every stamp issued or observed so far, and than `at_least`.
  std::uint64_t next(std::uint64_t at_least = 0) {
    last_ = std::max({wall_ms(), last_ + 1, at_least + 1});
    return last_;
  }
  void observe(std::uint64_t stamp) { last_ = std::max(last_, stamp); }
  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now_().time_since_epoch()).count();
  }

 private:
  std::uint64_t wall_ms() const {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(now_ms(), 0));
  }
  std::function<wall::time_point()> now_;
  std::uint64_t last_ = 0;
};

}  // namespace sipproxy::cluster
