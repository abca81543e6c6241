#include "proxy/overload_control.hpp"

#include <algorithm>

namespace sipproxy::proxy {

void overload_control::set_rate(int per_second) {
  rate_ = std::max(per_second, 0);
  tokens_ = rate_;
  last_ = now_();
}

bool overload_control::admit() {
  if (rate_ == 0) return true;
  clock::time_point now = now_();
  double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min<double>(rate_, tokens_ + elapsed * rate_);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  ++rejected_;
  last_reject_ = now;
  return false;
}

bool overload_control::overloaded() const {
  return rate_ != 0 && rejected_ != 0 && now_() - last_reject_ < std::chrono::seconds(1);
}

}  // namespace sipproxy::proxy
