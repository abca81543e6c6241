// This instance's link to one other instance of the pool, over that instance's
// management port. The link pushes this instance's changes to the peer in batches, one
// batch every send-data-timeout ms, each acknowledged within wait-response-timeout s. On
// every (re)connection both sides' whole states are exchanged (pushed, then pulled), so
// nothing changed while the link was down is lost; every digest check (10 s) the digests
// are compared and a second mismatch in a row exchanges the states again. An idle link
// sends a heartbeat (peer-digest) every 2 s. A peer that does not answer in time is
// marked disconnected (event 40002, an alarm) and retried after 1, 2, 4, then every 5 s.
// A peer that never linked and cannot be connected to is reported only after start_grace.
// (These periods are the pool's config::test_timers: the real values unless the tests
// shorten them.)
// Changes made while the link is down stay queued (at most down_queue_cap; beyond it the
// queue is dropped, counted and shown in the 40002 alarm, and the whole state goes at the
// next exchange) and are sent first on reconnection. Every record carries the number the
// pool's change_confirmer gave it; acked() is the highest the peer has acknowledged, all
// before it included, and a wake() (a REGISTER waiting) sends the queue at once.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>

#include "cluster/line_channel.hpp"

namespace sipproxy::cluster {

class pool;

struct peer_info {
  std::string name;  // the proxy application
  boost::asio::ip::tcp::endpoint mgmt;
};

inline constexpr std::size_t page_records = 400;       // per snapshot page
inline constexpr std::size_t batch_bytes = 48 * 1024;  // per update (the mgmt line cap is 64 KiB)
inline constexpr std::size_t outbox_cap = 200000;      // beyond it: a full exchange instead
inline constexpr std::size_t down_queue_cap = 20000;   // the same while the link is down

// How long after start a peer that never linked may stay unreachable before 40002: ten
// reconnect waits (10 s with the real timers), time for a whole pool to start.
constexpr std::chrono::milliseconds start_grace(std::chrono::milliseconds reconnect) {
  return reconnect * 10;
}

enum class link_state { connecting, syncing, up, down };
std::string_view link_state_name(link_state s);

class peer_link {
 public:
  peer_link(boost::asio::io_context& io, pool& owner, peer_info info);

  void start();
  void stop();
  // A change of this instance's state, as a record's JSON text, and its number.
  void enqueue(std::string record, std::uint64_t number);
  // Send what is queued now rather than at the next send-data-timeout.
  void wake();
  // Every change numbered up to this one is acknowledged by the peer.
  std::uint64_t acked() const { return acked_; }
  bool live() const { return state_ == link_state::up || state_ == link_state::syncing; }
  bool overflowed_while_down() const { return overflowed_ && state_ == link_state::down; }
  // A record the peer sent us was applied.
  void count_received(std::size_t n) { received_ += n; }

  const peer_info& info() const { return info_; }
  link_state state() const { return state_; }
  // Down and reported with 40002 (not a peer still expected to come up with the pool).
  bool reported_down() const { return reported_down_; }
  std::size_t queue_length() const { return outbox_.size(); }
  nlohmann::json status() const;

  // Pulls the peer's whole state into `owner` over `ch` (connected), page by page.
  static boost::asio::awaitable<std::string> pull(line_channel& ch, pool& owner,
                                                  const std::string& peer,
                                                  std::chrono::milliseconds deadline,
                                                  std::size_t& records);

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<std::string> session();
  boost::asio::awaitable<std::string> push_all(std::chrono::milliseconds deadline);
  boost::asio::awaitable<std::string> flush(std::chrono::milliseconds deadline);
  boost::asio::awaitable<std::string> send_batch(const std::string& batch, std::size_t n,
                                                 std::chrono::milliseconds deadline);
  boost::asio::awaitable<std::string> exchange(std::chrono::milliseconds deadline);
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds d);
  void set_state(link_state s, const std::string& why = {});

  boost::asio::io_context& io_;
  pool& owner_;
  peer_info info_;
  line_channel channel_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;

  link_state state_ = link_state::connecting;
  bool ever_up_ = false;
  bool reported_down_ = false;
  // While a pool starts, its instances come up one by one: a peer that never linked and
  // cannot be reached is reported (40002) only once the start grace has passed.
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool unreachable_ = false;  // the last session failed to connect at all
  std::chrono::steady_clock::time_point since_ = std::chrono::steady_clock::now();
  std::string last_error_;
  struct queued {
    std::string record;
    std::chrono::steady_clock::time_point at;
    std::uint64_t number;
  };
  std::deque<queued> outbox_;
  bool overflowed_ = false;
  bool sleeping_ = false;
  bool woken_ = false;
  std::uint64_t acked_ = 0;
  std::uint64_t queued_while_down_ = 0;
  std::uint64_t overflows_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t batches_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t exchanges_ = 0;
  std::uint64_t repairs_ = 0;
  std::uint64_t disconnects_ = 0;
  double rtt_ms_ = -1;
  int mismatches_ = 0;
};

}  // namespace sipproxy::cluster
