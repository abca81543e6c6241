// A manual clock for a timer_queue: moving it forward fires every timer on the way at its
// own deadline, as the Asio driver would. Shared by the transaction tests and the proxy's
// in-process pipeline.
#pragma once

#include "txn/timer_queue.hpp"

namespace sipproxy::txn::test {

inline void advance_clock(timer_queue& timers, timer_queue::time_point& now,
                          timer_queue::duration d) {
  timer_queue::time_point target = now + d;
  for (;;) {
    auto next = timers.next_deadline();
    if (!next || *next > target) break;
    if (*next > now) now = *next;
    timers.run_due();
  }
  now = target;
}

}  // namespace sipproxy::txn::test
