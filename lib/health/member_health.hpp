// What the OPTIONS probes say about one SIP Server member, with thresholds so that one
// lost or late packet never flips it:
//   active --(2 probes in a row unanswered)--> out-of-service
//   any    --(an answer 503)-----------------> inactive (until Retry-After, if given)
//   inactive / out-of-service --(2 answers in a row, 1 s apart)--> active
// A probe is one OPTIONS transaction (retransmitted on UDP at 500 ms) with a 1 s deadline;
// after an unanswered probe the next goes out at once, after a first answer from a
// member that is not active the confirming probe goes 1 s later. Otherwise probes go every
// oos-check seconds, or every oos-force seconds while the member is out of service.
#pragma once

#include <chrono>

#include "routing/server_pair.hpp"

namespace sipproxy::health {

enum class verdict {
  alive,        // any final response but 503
  unavailable,  // 503: the seed's inactive state
  silent,       // no answer within the probe deadline, or the transport failed
};

struct probe_policy {
  int fall = 2;  // unanswered probes in a row before out-of-service
  int rise = 2;  // answers in a row before a member that was not active is active again
  std::chrono::milliseconds probe_timeout{1000};
  std::chrono::milliseconds confirm_interval{1000};
};

class member_health {
 public:
  explicit member_health(probe_policy policy = {}) : policy_(policy) {}

  routing::member_state state() const { return state_; }
  // Applies one probe result; true when the state changed.
  bool on_result(verdict v, std::chrono::seconds retry_after = std::chrono::seconds(0));
  // How long to wait before the next probe.
  std::chrono::milliseconds next_probe_in(int oos_check, int oos_force) const;
  // Back to active without probes (probing disabled: a retry interval elapsed).
  void restore() {
    state_ = routing::member_state::active;
    fails_ = oks_ = 0;
  }
  int failures() const { return fails_; }
  int successes() const { return oks_; }

 private:
  probe_policy policy_;
  routing::member_state state_ = routing::member_state::active;
  int fails_ = 0;
  int oks_ = 0;
  std::chrono::seconds retry_after_{0};
};

}  // namespace sipproxy::health
