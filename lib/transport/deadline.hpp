// A deadline on a connection, in the spirit of Beast's basic_stream expiry: one timer that
// the connection arms (and re-arms) before each wait a peer can stretch, and that calls
// back when the wait ran out. The connection is an enable_shared_from_this object that
// owns its deadline; the timer holds only a weak_ptr to it, so a pending deadline never
// keeps a connection alive, and a connection that is gone is never called.
//
// An expiry is called only for the latest arming: re-arming or cancelling after the timer
// fired but before its handler ran makes that handler do nothing (Asio cannot cancel a
// handler that is already queued; a plain steady_timer would close a connection whose
// read had just completed).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>

namespace sipproxy::transport {

class deadline {
 public:
  explicit deadline(const boost::asio::any_io_executor& executor) : timer_(executor) {}

  // After `after`, calls `expired(owner)` on the loop, unless by then this deadline was
  // armed again or cancelled, or `owner` is gone. Replaces an earlier arming.
  template <typename Owner, typename Expired>
  void arm(std::chrono::steady_clock::duration after, std::weak_ptr<Owner> owner, Expired expired) {
    std::uint64_t armed = ++generation_;
    timer_.expires_after(after);
    timer_.async_wait([this, armed, owner = std::move(owner),
                       expired = std::move(expired)](const boost::system::error_code& ec) mutable {
      if (ec) return;
      auto self = owner.lock();
      // `this` is a member of the owner: alive as long as the owner is.
      if (!self || armed != generation_) return;
      expired(*self);
    });
  }

  // No expiry until the next arm().
  void cancel() {
    ++generation_;
    timer_.cancel();
  }

 private:
  boost::asio::steady_timer timer_;
  std::uint64_t generation_ = 0;
};

}  // namespace sipproxy::transport
