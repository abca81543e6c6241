#include "health/member_health.hpp"

#include <algorithm>

namespace sipproxy::health {

using routing::member_state;

bool member_health::on_result(verdict v, std::chrono::seconds retry_after) {
  member_state before = state_;
  switch (v) {
    case verdict::alive:
      fails_ = 0;
      retry_after_ = std::chrono::seconds(0);
      if (state_ == member_state::active) {
        oks_ = 0;
        break;
      }
      if (++oks_ >= policy_.rise) {
        state_ = member_state::active;
        oks_ = 0;
      }
      break;
    case verdict::unavailable:
      fails_ = 0;
      oks_ = 0;
      retry_after_ = retry_after;
      state_ = member_state::inactive;
      break;
    case verdict::silent:
      oks_ = 0;
      if (state_ == member_state::out_of_service) break;
      if (++fails_ >= policy_.fall) {
        state_ = member_state::out_of_service;
        fails_ = 0;
      }
      break;
  }
  return state_ != before;
}

std::chrono::milliseconds member_health::next_probe_in(int oos_check, int oos_force) const {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  if (fails_ > 0) return milliseconds(0);         // confirm a miss at once
  if (oks_ > 0) return policy_.confirm_interval;  // confirm a recovery soon
  if (state_ == member_state::out_of_service) return seconds(oos_force);
  milliseconds every = seconds(oos_check);
  if (state_ == member_state::inactive) every = std::max<milliseconds>(every, retry_after_);
  return every;
}

}  // namespace sipproxy::health
