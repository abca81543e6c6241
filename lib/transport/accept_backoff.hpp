// How long an accept loop waits before accepting again after an error. When the process
// (EMFILE) or the system (ENFILE) is out of file descriptors, or the kernel out of buffers,
// accepting again at once fails again at once and spins a core: the loop waits 50 ms, then
// twice as long after each further such failure, up to 1 s, and is back to no wait after
// the first accept that succeeds. Other errors (a connection reset before it was accepted)
// are a connection's, not the listener's: accept again at once.
#pragma once

#include <fmt/format.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "log/logger.hpp"
#include "log/throttle.hpp"

namespace sipproxy::transport {

// Whether `ec` says the process or the system has no descriptor or buffer to give.
bool out_of_descriptors(const boost::system::error_code& ec);

class accept_backoff {
 public:
  static constexpr std::chrono::milliseconds first{50};
  static constexpr std::chrono::milliseconds longest{1000};

  // The wait before the next accept after one that ended with `ec` (zero: at once).
  std::chrono::milliseconds after(const boost::system::error_code& ec);
  // Accepts that failed for lack of descriptors (counted, for the log and metrics).
  std::uint64_t exhausted() const { return exhausted_; }

  // What every accept loop does after an accept ended with `ec`: `again()` at once, or,
  // when it must wait, a line for `listener` (at most one a second, with the count held
  // back) and `again()` when `timer` expires (not when it is cancelled).
  template <typename Again>
  void retry(const boost::system::error_code& ec, boost::asio::steady_timer& timer,
             std::string_view listener, Again again) {
    auto wait = after(ec);
    if (wait.count() == 0) return again();
    if (auto held = log_.allow())
      log::standard(
          "{}: accept failed ({}); accepting again in {} ms{}", listener, ec.message(),
          wait.count(),
          *held ? fmt::format("; {} more such failures since the last such line", *held) : "");
    timer.expires_after(wait);
    timer.async_wait([again](const boost::system::error_code& wec) {
      if (!wec) again();
    });
  }

 private:
  log::throttle log_;
  std::chrono::milliseconds next_{first};
  std::uint64_t exhausted_ = 0;
};

}  // namespace sipproxy::transport
