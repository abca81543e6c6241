#include "log/throttle.hpp"

namespace sipproxy::log {

std::optional<std::uint64_t> throttle::allow() {
  clock::time_point now = now_();
  if (last_ && now - *last_ < interval_) {
    ++held_back_;
    return std::nullopt;
  }
  last_ = now;
  std::uint64_t held = held_back_;
  held_back_ = 0;
  return held;
}

}  // namespace sipproxy::log
