// Rates for the status page: per-second rates of the status document's counters, from
// the samples taken when the page is read (no timer, no collection of its own). A rate is
// the change since the newest earlier read that is at least min_gap old and at most
// max_age: with the page refreshing itself every few seconds, over those few seconds;
// reloaded by hand, since the previous reload. The first read has none, nor has a read
// after a longer pause. A counter that went down (it cannot, but a document is not
// trusted) has none.
#pragma once

#include <chrono>
#include <deque>

#include "mgmt/protocol.hpp"

namespace sipproxy::mgmt {

class counter_rates {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds min_gap{1};
  static constexpr std::chrono::seconds max_age{60};

  // {"window_s": seconds, "per_second": {counter: rate}}, or null when no earlier read
  // qualifies. `counters`: an object of non-negative integers.
  json observe(const json& counters, clock::time_point now);

 private:
  struct sample {
    clock::time_point at;
    json counters;
  };
  // Kept at least min_gap apart, so the newest one at least min_gap old is one of the
  // last two: no more are kept.
  std::deque<sample> samples_;
};

}  // namespace sipproxy::mgmt
