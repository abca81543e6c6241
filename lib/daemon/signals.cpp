#include "daemon/signals.hpp"

#include <csignal>

namespace sipproxy::daemon {

signals::signals(boost::asio::io_context& io, std::function<void()> reload,
                 std::function<void(int)> stop)
    : set_(io), reload_(std::move(reload)), stop_(std::move(stop)) {}

void signals::start() {
  set_.add(SIGINT);
  set_.add(SIGTERM);
  set_.add(SIGHUP);
  do_wait();
}

void signals::cancel() {
  set_.cancel();
}

void signals::do_wait() {
  set_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP)
      reload_();
    else
      stop_(sig);
    do_wait();
  });
}

}  // namespace sipproxy::daemon
