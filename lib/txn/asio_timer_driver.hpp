// Runs a timer_queue on an Asio event loop with a single steady_timer, re-armed to the
// earliest deadline.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "txn/timer_queue.hpp"

namespace sipproxy::txn {

class asio_timer_driver {
 public:
  asio_timer_driver(boost::asio::io_context& io, timer_queue& q);
  void stop();

 private:
  void arm(timer_queue::time_point when);
  void on_timer();

  boost::asio::steady_timer timer_;
  timer_queue& queue_;
  std::optional<timer_queue::time_point> armed_;
  bool stopped_ = false;
};

}  // namespace sipproxy::txn
