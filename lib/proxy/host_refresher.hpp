// Keeps the addresses of configured host names (SIP Server members given by name, the
// feature server) current: each name is resolved again through the DNS resolver when its
// TTL runs out (at most every 5 s, the floor; at least every hour), and a change is applied and
// logged. A name that stops resolving keeps its last address (event 40005) and is tried
// again every 30 s.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "dns/resolver.hpp"
#include "txn/timer_queue.hpp"

namespace sipproxy::proxy {

class host_refresher {
 public:
  using apply_fn = std::function<void(const boost::asio::ip::address&)>;

  host_refresher(dns::resolver& resolver, txn::timer_queue& timers,
                 std::chrono::milliseconds floor = std::chrono::seconds(5))
      : resolver_(resolver), timers_(timers), floor_(floor) {}
  ~host_refresher() { stop(); }

  // Watches `name` (whose address is `current` now); `apply` gets each new address.
  void watch(std::string name, boost::asio::ip::address current, std::string what, apply_fn apply);
  void stop();

 private:
  struct entry {
    std::string name;
    boost::asio::ip::address current;
    std::string what;  // for the log: "SIP Server A primary"
    apply_fn apply;
    txn::timer_queue::timer_id timer = 0;
  };
  void schedule(std::size_t i, std::chrono::milliseconds after);
  void refresh(std::size_t i);

  dns::resolver& resolver_;
  txn::timer_queue& timers_;
  std::chrono::milliseconds floor_;
  std::vector<entry> entries_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sipproxy::proxy
