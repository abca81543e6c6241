// Graceful shutdown (SIGTERM, SIGINT): stop probing, linking, following names and
// accepting connections; new dialogs get 503; then stop as soon as the transaction layer
// says no server transaction awaits its final response, or when the drain bound runs out
// (5 s; SIPPROXY_TEST_TIMERS drain=), whichever comes first: close every connection and
// stop the event loop. Redis stays connected while draining, so the last REGISTERs'
// bindings still get written. A second begin() stops at once.
#pragma once

#include <boost/asio/steady_timer.hpp>

namespace sipproxy::daemon {

struct instance;

class drain {
 public:
  explicit drain(instance& parts);
  void begin();

 private:
  void finish();

  instance& m_;
  boost::asio::steady_timer bound_;
  bool draining_ = false;
  bool finished_ = false;
};

}  // namespace sipproxy::daemon
