// Rates for the status page: per-second rates of the status document's counters, from
// the samples taken when the page is read (no timer, no collection of its own). A read
// keeps its sample when the newest kept one is at least min_gap old; a rate is the
// change from the oldest sample of the last `window` to now. So with the page's
// refresh every few seconds, rates are over the last few seconds; the first read has
// none. A counter that went down (it cannot, but a document is not trusted) has none.
#pragma once

#include <chrono>
#include <deque>

#include "mgmt/protocol.hpp"

namespace sipproxy::mgmt {

class counter_rates {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds min_gap{1};
  static constexpr std::chrono::seconds window{10};

  // {"window_s": seconds, "per_second": {counter: rate}}, or null when no earlier sample
  // is in the window. `counters`: an object of non-negative integers.
  json observe(const json& counters, clock::time_point now);

 private:
  struct sample {
    clock::time_point at;
    json counters;
  };
  std::deque<sample> samples_;  // oldest first, at most window / min_gap + 1
};

}  // namespace sipproxy::mgmt
