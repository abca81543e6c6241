#include "txn/asio_timer_driver.hpp"

namespace sipproxy::txn {

asio_timer_driver::asio_timer_driver(boost::asio::io_context& io, timer_queue& q)
    : timer_(io), queue_(q) {
  queue_.on_new_earliest = [this](timer_queue::time_point when) { arm(when); };
  if (auto next = queue_.next_deadline()) arm(*next);
}

void asio_timer_driver::stop() {
  stopped_ = true;
  queue_.on_new_earliest = nullptr;
  timer_.cancel();
}

void asio_timer_driver::arm(timer_queue::time_point when) {
  if (stopped_ || (armed_ && *armed_ <= when)) return;
  armed_ = when;
  timer_.expires_at(when);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    on_timer();
  });
}

void asio_timer_driver::on_timer() {
  armed_.reset();
  queue_.run_due();
  if (auto next = queue_.next_deadline()) arm(*next);
}

}  // namespace sipproxy::txn
