// The once-per-open() "lost" report of a redis_router: at once from a connection's
// callback, or on the next turn of the loop when the failure is found within open()
// (so that the storage never closes a router from inside its own open()).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <string>

namespace sipproxy::cluster {

class loss_reporter {
 public:
  using handler = std::function<void(const std::string& reason)>;

  explicit loss_reporter(boost::asio::io_context& io) : timer_(io) {}

  void arm(handler h) {
    timer_.cancel();
    handler_ = std::move(h);
    reported_ = false;
  }
  void disarm() {
    timer_.cancel();
    handler_ = nullptr;
  }
  bool armed() const { return handler_ && !reported_; }

  void now(const std::string& reason) {
    if (!armed()) return;
    reported_ = true;
    handler h = handler_;  // a copy: the handler closes the router, which disarms us
    h(reason);
  }
  void later(const std::string& reason) {
    if (!armed()) return;
    timer_.expires_after(std::chrono::milliseconds(0));
    timer_.async_wait([this, reason](const boost::system::error_code& ec) {
      if (!ec) now(reason);
    });
  }

 private:
  boost::asio::steady_timer timer_;
  handler handler_;
  bool reported_ = false;
};

}  // namespace sipproxy::cluster
