// The wait behind a REGISTER's 2xx in cluster mode: every local change of the shared
// state gets a number, the backend (the peer links, or the Redis storage) reports up to
// which number its changes are acknowledged, and a waiter is told `confirmed` once the
// changes made before it asked are, or `timed_out` after registration-confirm-timeout ms,
// or `unavailable` when the backend says nothing can acknowledge them now. Outcomes other
// than confirmed are counted and logged (event 40010, at most one line per 10 s with the
// number held back). Handlers still waiting when the confirmer goes are dropped uncalled.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "log/throttle.hpp"
#include "registrar/binding_store.hpp"

namespace sipproxy::cluster {

class change_confirmer {
 public:
  using wait_time = std::function<std::chrono::milliseconds()>;
  change_confirmer(boost::asio::io_context& io, std::string backend, wait_time wait);
  change_confirmer(const change_confirmer&) = delete;
  change_confirmer& operator=(const change_confirmer&) = delete;

  // A change was made here: its number (1, 2, ...).
  std::uint64_t next() { return ++last_; }
  std::uint64_t last() const { return last_; }

  // `done` learns when the changes numbered up to last() are acknowledged. A wait of 0:
  // not_needed at once.
  void wait(registrar::confirmation_handler done);
  // The changes numbered up to `n` are acknowledged.
  void acknowledged(std::uint64_t n);
  // Nothing can acknowledge the changes now (`why`, for the log): every waiter is told
  // `unavailable`.
  void fail_all(const std::string& why);
  // A waiter that is refused at once (`why`, for the log).
  void refuse(registrar::confirmation_handler done, const std::string& why);

  std::size_t waiting() const { return waiters_.size(); }
  nlohmann::json status() const;  // counters, for status and /metrics

 private:
  struct waiter {
    std::uint64_t upto;
    registrar::confirmation_handler done;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  void unconfirmed(registrar::confirmation c, const std::string& why);

  boost::asio::io_context& io_;
  std::string backend_;
  wait_time wait_;
  std::uint64_t last_ = 0;
  std::uint64_t acked_ = 0;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, waiter> waiters_;  // by id, oldest first
  log::throttle throttle_{std::chrono::seconds(10)};
  std::uint64_t confirmed_ = 0, timed_out_ = 0, unavailable_ = 0;
};

}  // namespace sipproxy::cluster
