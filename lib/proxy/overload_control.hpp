// Overload control (the seed's "Overload detection", overload-ctrl-dialog-rate): new
// INVITEs above the configured rate per second are refused with 503 before any routing
// work. A token bucket holding one second's worth: a burst up to the rate passes, the
// sustained rate is the rate.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace sipproxy::proxy {

class overload_control {
 public:
  using clock = std::chrono::steady_clock;
  explicit overload_control(std::function<clock::time_point()> now = [] { return clock::now(); })
      : now_(std::move(now)) {}

  // New INVITEs allowed per second; 0 disables the control.
  void set_rate(int per_second);
  int rate() const { return rate_; }
  // Takes one token for a new INVITE; false when it must be refused.
  bool admit();
  // Whether an INVITE was refused within the last second (OPTIONS pings then get 503).
  bool overloaded() const;
  std::uint64_t rejected() const { return rejected_; }

 private:
  std::function<clock::time_point()> now_;
  int rate_ = 0;
  double tokens_ = 0;
  clock::time_point last_{};
  clock::time_point last_reject_{};
  std::uint64_t rejected_ = 0;
};

}  // namespace sipproxy::proxy
