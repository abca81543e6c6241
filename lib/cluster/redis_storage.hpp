// The pool's shared state in Redis (shared-storage = redis://, redis-cluster:// or
// redis-sentinel://), the alternative to
// the peer links of cluster::pool. The replicated stores stay the instance's cache: every
// look-up is served from memory, never by a call to Redis on the hot path. What changes
// here is written to Redis (the versioned write script of redis_keys) and what the other
// instances write arrives on the pub/sub channel.
//
// The cache's bound: a binding deleted through another instance is gone here as soon
// as its change is published (milliseconds). When Redis or the subscription is lost,
// or Redis stops answering for `answer_deadline` (2 s, checked every `ping_period`,
// 1 s), the instance reports itself unavailable at once and new requests that need a
// look-up get 503 until it has subscribed again and re-read Redis. So a deleted binding
// is never served for longer than ping_period + answer_deadline = 3 s.
//
// Every (re)connection first writes everything this instance holds (bindings,
// tombstones, sessions; older versions are refused by the script), then reads every key
// back. So a binding Redis acknowledged is not lost when Redis restarts empty while an
// instance still holds it, and changes made here while Redis was away reach it.
// Reconnection after 1, 2, then every 5 s. Where the keys are (one server, a cluster's
// masters, the master the sentinels name) is the redis_router's business: the storage
// sends each command by its key, and SCAN and PING to every data node.
//
// A REGISTER's 2xx waits (confirm) until Redis has acknowledged every change made before
// it, for registration-confirm-timeout ms at most (change_confirmer); while Redis is not
// up it is not waited for (unavailable).
//
// Changes made while Redis is not connected are queued, one entry per key (the newest
// version), at most `queue_cap` keys (redis_queue_cap unless the deployment's test knob
// says otherwise), and written first at the next (re)connection, before the rest of what
// is held. Beyond the bound the queue is dropped (counted, event 40008 logged at most once
// per 10 s, and the 40008 alarm says so): the write of everything held at reconnection
// then carries those changes, as it carries any change whose write was in flight when the
// connection went.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "cluster/change_confirmer.hpp"
#include "cluster/redis_router.hpp"
#include "cluster/replicated_binding_store.hpp"
#include "cluster/replicated_session_table.hpp"
#include "cluster/shared_state.hpp"
#include "config/shared_storage.hpp"
#include "log/throttle.hpp"

namespace sipproxy::cluster {

inline constexpr std::chrono::seconds ping_period{1};
inline constexpr std::chrono::seconds answer_deadline{2};
inline constexpr std::chrono::seconds connect_deadline{2};
inline constexpr std::chrono::seconds resync_deadline{60};
inline constexpr std::size_t redis_queue_cap = 20000;  // changes queued while Redis is away

class redis_storage final : public shared_state {
 public:
  enum class state { down, connecting, syncing, up };
  using availability = std::function<void(bool up)>;

  redis_storage(boost::asio::io_context& io, std::string self, config::redis_target target,
                replicated_binding_store& bindings, replicated_session_table& sessions,
                availability on_change, change_confirmer::wait_time confirm_wait,
                std::size_t queue_cap = redis_queue_cap);
  ~redis_storage() override;

  // Before serving (runs the loop): connected and synchronised, or `bound` passed (the
  // instance then starts unavailable and keeps reconnecting). For the log.
  std::string initial_sync(std::chrono::seconds bound);
  // The first wait before a lost connection is tried again (1 s; then 2x, then 5x it).
  void set_reconnect(std::chrono::milliseconds first) { backoff_ = reconnect_ = first; }

  // shared_state: Redis stays connected while draining (the last REGISTERs' bindings still
  // get written), until the instance stops.
  std::string sync_before_serving(std::chrono::seconds bound) override {
    return "shared storage: " + initial_sync(bound);
  }
  void start() override;
  void drain() override {}
  void stop() override;
  std::optional<mgmt::json> handle(const mgmt::request&) override { return std::nullopt; }
  std::optional<mgmt::json> peer_links() const override { return std::nullopt; }
  std::optional<storage_health> storage() const override {
    return storage_health{up(), queued(), queue_overflows()};
  }
  nlohmann::json status() const override;            // for sipproxyctl status/peers
  std::vector<std::string> alarms() const override;  // the 40008 line while Redis is unavailable

  state current() const { return state_; }
  bool up() const { return state_ == state::up; }
  std::size_t queued() const { return queue_.size(); }
  std::uint64_t queue_overflows() const { return queue_overflows_; }
  // A REGISTER's binding changes: `done` once Redis acknowledged them (see above).
  void confirm(registrar::confirmation_handler done);

 private:
  void add_peers_details(mgmt::json& reply) const override { reply["storage"] = status(); }
  void connect();
  void lost(const std::string& reason);
  void begin_sync();
  void scan(std::size_t node, const std::string& cursor);
  void read_back(const std::string& key);
  void scanned();
  void finish_sync();
  void write(const replica_record& r, std::uint64_t number = 0);
  void enqueue(const replica_record& r);
  void write_queue();
  void eval(const replica_record& r, bool by_sha, std::uint64_t number);
  void written(std::uint64_t number);
  void on_message(const redisReply* r);
  void apply(std::string_view value);
  void ping();
  void arm_deadline(std::chrono::seconds d, const char* what);
  bool expect_ok(const redisReply* r, const char* what);

  boost::asio::io_context& io_;
  std::string self_;
  config::redis_target target_;
  availability on_change_;
  std::unique_ptr<redis_router> router_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer deadline_timer_;
  boost::asio::steady_timer ping_timer_;
  state state_ = state::down;
  bool running_ = false;
  bool subscribed_ = false;
  bool reported_down_ = false;    // 40008 logged for this outage
  std::uint64_t generation_ = 0;  // bumped on every (re)connection; stale replies are ignored
  std::chrono::milliseconds reconnect_{1000};
  std::chrono::milliseconds backoff_{1000};
  std::size_t pings_outstanding_ = 0;
  std::chrono::steady_clock::time_point ping_sent_;
  std::chrono::steady_clock::time_point since_;  // of the current state
  std::string error_;
  std::size_t gets_pending_ = 0;  // GETs of the re-read still unanswered
  bool scan_done_ = false;        // every node's SCAN has reached cursor 0
  struct counters {
    std::uint64_t written = 0, refused_older = 0, write_errors = 0, received = 0, applied = 0,
                  connects = 0, outages = 0;
  } counters_;
  double last_sync_s_ = 0;
  std::size_t last_sync_keys_ = 0;
  std::chrono::steady_clock::time_point sync_started_;
  change_confirmer confirmer_;
  std::set<std::uint64_t> unacknowledged_;  // numbers of the changes written, not answered
  std::uint64_t changes_while_down_ = 0;    // written at the next (re)connection
  std::size_t queue_cap_;
  std::map<std::string, replica_record> queue_;  // by key: made while Redis was away
  bool queue_overflowed_ = false;                // this outage: dropped, the full write carries it
  std::uint64_t queue_overflows_ = 0, queue_written_ = 0;
  log::throttle overflow_log_{std::chrono::seconds(10)};
};

std::string_view state_name(redis_storage::state s);

}  // namespace sipproxy::cluster
