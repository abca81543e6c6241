#include "cluster/change_confirmer.hpp"

#include <vector>

#include "log/logger.hpp"

namespace sipproxy::cluster {

using registrar::confirmation;

change_confirmer::change_confirmer(boost::asio::io_context& io, std::string backend, wait_time wait)
    : io_(io), backend_(std::move(backend)), wait_(std::move(wait)) {}

void change_confirmer::wait(registrar::confirmation_handler done) {
  auto d = wait_();
  if (d.count() <= 0) {
    done(confirmation::not_needed);
    return;
  }
  if (acked_ >= last_) {
    ++confirmed_;
    done(confirmation::confirmed);
    return;
  }
  std::uint64_t id = ++next_id_;
  auto timer = std::make_unique<boost::asio::steady_timer>(io_, d);
  timer->async_wait([this, id, d](const boost::system::error_code& ec) {
    if (ec) return;
    auto it = waiters_.find(id);
    if (it == waiters_.end()) return;
    auto handler = std::move(it->second.done);
    waiters_.erase(it);
    unconfirmed(
        confirmation::timed_out,
        fmt::format("no acknowledgement within registration-confirm-timeout ({} ms)", d.count()));
    handler(confirmation::timed_out);
  });
  waiters_.emplace(id, waiter{last_, std::move(done), std::move(timer)});
}

void change_confirmer::acknowledged(std::uint64_t n) {
  if (n <= acked_) return;
  acked_ = std::min(n, last_);
  std::vector<registrar::confirmation_handler> ready;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->second.upto <= acked_) {
      ready.push_back(std::move(it->second.done));
      it = waiters_.erase(it);  // the timer goes with it: its wait ends aborted
    } else {
      ++it;
    }
  }
  confirmed_ += ready.size();
  for (auto& done : ready) done(confirmation::confirmed);
}

void change_confirmer::fail_all(const std::string& why) {
  if (waiters_.empty()) return;
  std::vector<registrar::confirmation_handler> all;
  for (auto& [id, w] : waiters_) all.push_back(std::move(w.done));
  waiters_.clear();
  for (auto& done : all) {
    unconfirmed(confirmation::unavailable, why);
    done(confirmation::unavailable);
  }
}

void change_confirmer::refuse(registrar::confirmation_handler done, const std::string& why) {
  if (wait_().count() <= 0) {
    done(confirmation::not_needed);
    return;
  }
  unconfirmed(confirmation::unavailable, why);
  done(confirmation::unavailable);
}

void change_confirmer::unconfirmed(confirmation c, const std::string& why) {
  (c == confirmation::timed_out ? timed_out_ : unavailable_)++;
  auto held = throttle_.allow();
  if (!held) return;
  log::event(log::event_id::registration_not_confirmed,
             "REGISTER 2xx relayed before {} confirmed the binding change: {}; the binding is "
             "kept here and sent when it can be{}",
             backend_, why,
             *held ? fmt::format(" ({} more since the last such line)", *held) : std::string());
}

nlohmann::json change_confirmer::status() const {
  return nlohmann::json{{"registrations_confirmed", confirmed_},
                        {"registrations_unconfirmed_timeout", timed_out_},
                        {"registrations_unconfirmed_unavailable", unavailable_},
                        {"registrations_waiting", waiters_.size()}};
}

}  // namespace sipproxy::cluster
