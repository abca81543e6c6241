#include "txn/timer_queue.hpp"

namespace sipproxy::txn {

timer_queue::timer_id timer_queue::at(time_point when, std::function<void()> fn) {
  timer_id id = next_id_++;
  bool earliest = heap_.empty() || when < heap_.top().when;
  heap_.push(entry{when, id});
  callbacks_.emplace(id, std::move(fn));
  if (earliest && on_new_earliest) on_new_earliest(when);
  return id;
}

std::optional<timer_queue::time_point> timer_queue::next_deadline() {
  while (!heap_.empty() && !callbacks_.count(heap_.top().id)) heap_.pop();
  if (heap_.empty()) return std::nullopt;
  return heap_.top().when;
}

void timer_queue::run_due() {
  time_point t = now();
  while (!heap_.empty() && heap_.top().when <= t) {
    entry e = heap_.top();
    heap_.pop();
    auto it = callbacks_.find(e.id);
    if (it == callbacks_.end()) continue;
    auto fn = std::move(it->second);
    callbacks_.erase(it);
    fn();
  }
}

}  // namespace sipproxy::txn
