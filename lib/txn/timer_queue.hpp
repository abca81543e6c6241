// Timers of one worker, on a clock that can be real or a test's. A timer is a deadline
// and a callback; cancelling is O(1) and a cancelled or fired id is simply gone. The
// asio_timer_driver runs it on the event loop with one re-armed steady_timer.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

namespace sipproxy::txn {

class timer_queue {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;
  using duration = clock::duration;
  using timer_id = std::uint64_t;

  explicit timer_queue(std::function<time_point()> now = [] { return clock::now(); })
      : now_(std::move(now)) {}

  time_point now() const { return now_(); }
  timer_id after(duration d, std::function<void()> fn) { return at(now() + d, std::move(fn)); }
  timer_id at(time_point when, std::function<void()> fn);
  void cancel(timer_id id) {
    if (id) callbacks_.erase(id);
  }
  // Runs every timer due at now(), in deadline order.
  void run_due();
  std::optional<time_point> next_deadline();
  std::size_t size() const { return callbacks_.size(); }

  // Called when a new earliest deadline appears (the driver re-arms its timer).
  std::function<void(time_point)> on_new_earliest;

 private:
  struct entry {
    time_point when;
    timer_id id;
    bool operator>(const entry& o) const { return when > o.when || (when == o.when && id > o.id); }
  };
  std::function<time_point()> now_;
  std::priority_queue<entry, std::vector<entry>, std::greater<>> heap_;
  std::unordered_map<timer_id, std::function<void()>> callbacks_;
  timer_id next_id_ = 1;
};

}  // namespace sipproxy::txn
