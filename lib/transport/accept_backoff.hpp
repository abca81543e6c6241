// How long an accept loop waits before accepting again after an error. When the process
// (EMFILE) or the system (ENFILE) is out of file descriptors, or the kernel out of buffers,
// accepting again at once fails again at once and spins a core: the loop waits 50 ms, then
// twice as long after each further such failure, up to 1 s, and is back to no wait after
// the first accept that succeeds. Other errors (a connection reset before it was accepted)
// are a connection's, not the listener's: accept again at once.
#pragma once

#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>

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

 private:
  std::chrono::milliseconds next_{first};
  std::uint64_t exhausted_ = 0;
};

}  // namespace sipproxy::transport
