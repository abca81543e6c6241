// RFC 3261 §17 timer values (Table 4), and the proxy's Timer C (§16.6 step 11).
#pragma once

#include <chrono>

namespace sipproxy::txn {

struct timer_config {
  std::chrono::milliseconds t1{500};
  std::chrono::milliseconds t2{4000};
  std::chrono::milliseconds t4{5000};
  std::chrono::milliseconds timer_c{181000};                     // > 3 minutes
  std::chrono::milliseconds timeout() const { return t1 * 64; }  // Timers B, F, H, J, L, M
};

}  // namespace sipproxy::txn
