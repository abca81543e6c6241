// The process signals: SIGTERM and SIGINT drain and stop, SIGHUP reloads. One member
// waits for the next signal and re-arms itself after each (Asio's http server example).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>

namespace sipproxy::daemon {

class signals {
 public:
  signals(boost::asio::io_context& io, std::function<void()> reload, std::function<void(int)> stop);
  // Takes the signals over from their default disposition and waits for them.
  void start();
  void cancel();

 private:
  void do_wait();

  boost::asio::signal_set set_;
  std::function<void()> reload_;
  std::function<void(int)> stop_;
};

}  // namespace sipproxy::daemon
