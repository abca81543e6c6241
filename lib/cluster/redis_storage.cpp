#include "cluster/redis_storage.hpp"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <boost/uuid/detail/sha1.hpp>
#include <limits>

#include "cluster/redis_keys.hpp"
#include "log/logger.hpp"

namespace sipproxy::cluster {

namespace asio = boost::asio;
using json = nlohmann::json;

namespace {

std::string sha1_hex(std::string_view text) {
  boost::uuids::detail::sha1 h;
  h.process_bytes(text.data(), text.size());
  boost::uuids::detail::sha1::digest_type d;
  h.get_digest(d);
  return fmt::format("{:08x}{:08x}{:08x}{:08x}{:08x}", d[0], d[1], d[2], d[3], d[4]);
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const std::string& script_sha() {
  static const std::string sha = sha1_hex(redis_keys::write_script);
  return sha;
}

}  // namespace

std::string_view state_name(redis_storage::state s) {
  switch (s) {
    case redis_storage::state::down:
      return "down";
    case redis_storage::state::connecting:
      return "connecting";
    case redis_storage::state::syncing:
      return "synchronising";
    case redis_storage::state::up:
      return "up";
  }
  return "?";
}

redis_storage::redis_storage(asio::io_context& io, std::string self, config::redis_target target,
                             replicated_binding_store& bindings, replicated_session_table& sessions,
                             availability on_change, change_confirmer::wait_time confirm_wait,
                             std::size_t queue_cap)
    : shared_state(bindings, sessions),
      io_(io),
      self_(std::move(self)),
      target_(std::move(target)),
      on_change_(std::move(on_change)),
      router_(make_redis_router(io, target_)),
      retry_timer_(io),
      deadline_timer_(io),
      ping_timer_(io),
      since_(std::chrono::steady_clock::now()),
      confirmer_(io, "Redis", std::move(confirm_wait)),
      queue_cap_(queue_cap) {
  auto sink = [this](const replica_record& r) { write(r, confirmer_.next()); };
  bindings_.set_sink(sink);
  sessions_.set_sink(sink);
  bindings_.set_confirmer(
      [this](registrar::confirmation_handler done) { confirm(std::move(done)); });
}

redis_storage::~redis_storage() {
  bindings_.set_confirmer({});
  bindings_.set_sink({});
  sessions_.set_sink({});
  running_ = false;
  router_->close();
}

std::string redis_storage::initial_sync(std::chrono::seconds bound) {
  start();
  auto until = std::chrono::steady_clock::now() + bound;
  // Until synchronised, or the first attempt failed (then serve what needs no look-up
  // and keep trying), or the bound.
  while (state_ != state::up && !reported_down_ && std::chrono::steady_clock::now() < until) {
    io_.run_for(std::chrono::milliseconds(50));
    if (io_.stopped()) io_.restart();
  }
  if (state_ == state::up)
    return fmt::format("Redis {}: {} key(s) read in {:.3f} s ({} binding(s), {} session(s) held)",
                       router_->describe(), last_sync_keys_, last_sync_s_, bindings_.size(),
                       sessions_.size());
  return fmt::format("Redis {} is not available yet ({}): starting without it, retrying",
                     router_->describe(), error_.empty() ? "no answer within the bound" : error_);
}

void redis_storage::start() {
  if (running_) return;
  running_ = true;
  connect();
  ping();
}

void redis_storage::stop() {
  running_ = false;
  retry_timer_.cancel();
  deadline_timer_.cancel();
  ping_timer_.cancel();
  ++generation_;
  router_->close();
  state_ = state::down;
}

void redis_storage::connect() {
  ++generation_;
  std::uint64_t g = generation_;
  state_ = state::connecting;
  since_ = std::chrono::steady_clock::now();
  subscribed_ = false;
  pings_outstanding_ = 0;
  ++counters_.connects;
  router_->open(
      redis_keys::channel(target_.db),
      [this, g](const redisReply* r) {
        if (g == generation_ && r) on_message(r);
      },
      [this, g](const std::string& reason) {
        if (g == generation_) lost(reason);
      });
  arm_deadline(connect_deadline, "connecting and subscribing");
}

bool redis_storage::expect_ok(const redisReply* r, const char* what) {
  if (!reply_is_error(r)) return true;
  lost(fmt::format("{} refused: {}", what, reply_text(r)));
  return false;
}

void redis_storage::arm_deadline(std::chrono::seconds d, const char* what) {
  std::uint64_t g = generation_;
  deadline_timer_.expires_after(d);
  deadline_timer_.async_wait([this, g, d, what](const boost::system::error_code& ec) {
    if (ec || g != generation_) return;
    if (state_ == state::connecting || state_ == state::syncing)
      lost(fmt::format("{} took longer than {} s", what, d.count()));
  });
}

void redis_storage::lost(const std::string& reason) {
  ++generation_;  // every reply still on its way belongs to the old connection
  bool was_up = state_ == state::up;
  state_ = state::down;
  since_ = std::chrono::steady_clock::now();
  error_ = reason;
  subscribed_ = false;
  pings_outstanding_ = 0;
  deadline_timer_.cancel();
  router_->close();
  unacknowledged_.clear();  // their replies will not come: written again at reconnection
  confirmer_.fail_all("Redis is unavailable: " + reason);
  if (!running_) return;
  if (was_up || !reported_down_) {
    ++counters_.outages;
    log::event(log::event_id::shared_storage_unavailable,
               "Shared storage Redis {} is unavailable: {}; new requests that need a "
               "registration look-up get 503 until it is back",
               router_->describe(), reason);
    reported_down_ = true;
  } else {
    log::debug("shared storage: Redis {} still unavailable: {}", router_->describe(), reason);
  }
  if (on_change_) on_change_(false);
  retry_timer_.expires_after(backoff_);
  backoff_ = backoff_ < 2 * reconnect_ ? 2 * reconnect_ : 5 * reconnect_;
  retry_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && running_ && state_ == state::down) connect();
  });
}

void redis_storage::on_message(const redisReply* r) {
  if (r->type == REDIS_REPLY_ERROR) {
    lost("SUBSCRIBE refused: " + reply_text(r));
    return;
  }
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
  std::string kind = reply_text(r->element[0]);
  if (kind == "subscribe") {
    if (!subscribed_) {
      subscribed_ = true;
      begin_sync();
    }
  } else if (kind == "message") {
    ++counters_.received;
    apply(reply_text(r->element[2]));
  }
}

void redis_storage::apply(std::string_view value) {
  auto rec = redis_keys::record_of_value(value);
  if (!rec) return;
  bool applied = rec->kind == record_kind::binding ? bindings_.apply(*rec) : sessions_.apply(*rec);
  counters_.applied += applied;
}

void redis_storage::begin_sync() {
  state_ = state::syncing;
  since_ = sync_started_ = std::chrono::steady_clock::now();
  last_sync_keys_ = 0;
  gets_pending_ = 0;
  scan_done_ = false;
  arm_deadline(resync_deadline, "synchronising");
  // The script on every data node first (a node that lacks it later gets EVAL).
  std::uint64_t g = generation_;
  for (std::size_t n = 0; n < router_->node_count(); ++n)
    router_->command_on(n, {"SCRIPT", "LOAD", std::string(redis_keys::write_script)},
                        [this, g](const redisReply* r) {
                          if (g == generation_ && r) expect_ok(r, "SCRIPT LOAD");
                        });
  // What changed while Redis was away first, then everything held here (Redis keeps the
  // newer of each), then everything back.
  write_queue();
  std::vector<std::pair<std::uint64_t, replica_record>> all;
  bindings_.collect(0, std::numeric_limits<std::size_t>::max(), all);
  sessions_.collect(0, std::numeric_limits<std::size_t>::max(), all);
  for (const auto& [k, r] : all) write(r);
  scan(0, "0");
}

// One data node after the other; each key found is read where its slot is served.
void redis_storage::scan(std::size_t node, const std::string& cursor) {
  if (node >= router_->node_count()) {
    scan_done_ = true;
    scanned();
    return;
  }
  std::uint64_t g = generation_;
  router_->command_on(
      node, {"SCAN", cursor, "MATCH", std::string(redis_keys::scan_pattern), "COUNT", "1000"},
      [this, g, node](const redisReply* r) {
        if (g != generation_ || !r) return;
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[1]->type != REDIS_REPLY_ARRAY) {
          lost("SCAN: unexpected reply " + reply_text(r));
          return;
        }
        std::string next = reply_text(r->element[0]);
        const redisReply* keys = r->element[1];
        for (std::size_t i = 0; i < keys->elements; ++i) read_back(reply_text(keys->element[i]));
        if (next != "0") {
          scan(node, next);
        } else {
          scan(node + 1, "0");
        }
      });
}

void redis_storage::read_back(const std::string& key) {
  std::uint64_t g = generation_;
  ++gets_pending_;
  router_->command(key, {"GET", key}, [this, g](const redisReply* v) {
    if (g != generation_ || !v) return;
    --gets_pending_;
    if (v->type == REDIS_REPLY_ERROR) {  // CLUSTERDOWN, LOADING: start over
      lost("GET refused: " + reply_text(v));
      return;
    }
    if (v->type == REDIS_REPLY_STRING) {
      ++last_sync_keys_;
      apply(reply_text(v));
    }
    scanned();
  });
}

void redis_storage::scanned() {
  if (state_ == state::syncing && scan_done_ && gets_pending_ == 0) finish_sync();
}

void redis_storage::finish_sync() {
  state_ = state::up;
  auto now = std::chrono::steady_clock::now();
  last_sync_s_ = std::chrono::duration<double>(now - sync_started_).count();
  since_ = now;
  deadline_timer_.cancel();
  backoff_ = reconnect_;
  std::string what = fmt::format("{} key(s) read in {:.3f} s; {} binding(s), {} session(s) held",
                                 last_sync_keys_, last_sync_s_, bindings_.size(), sessions_.size());
  if (reported_down_) {
    log::event(log::event_id::shared_storage_restored, "Shared storage Redis {} is available: {}",
               router_->describe(), what);
  } else {
    log::standard("shared storage: Redis {} connected: {}", router_->describe(), what);
  }
  reported_down_ = false;
  error_.clear();
  if (on_change_) on_change_(true);
}

void redis_storage::write(const replica_record& r, std::uint64_t number) {
  if (state_ != state::syncing && state_ != state::up) {
    changes_while_down_ += number != 0;
    enqueue(r);
    return;
  }
  if (r.expires_ms <= now_ms()) {
    written(number);  // nothing to keep anywhere
    return;
  }
  if (number) unacknowledged_.insert(number);
  eval(r, true, number);
}

void redis_storage::enqueue(const replica_record& r) {
  if (queue_overflowed_) return;  // the write of everything held at reconnection carries it
  std::string key = redis_keys::key_of(r);
  if (auto it = queue_.find(key); it != queue_.end()) {
    it->second = r;  // a local change: newer than the one it replaces
    return;
  }
  if (queue_.size() >= queue_cap_) {
    queue_.clear();
    queue_overflowed_ = true;
    ++queue_overflows_;
    if (auto held = overflow_log_.allow())
      log::event(log::event_id::shared_storage_unavailable,
                 "Shared storage Redis {} is unavailable and more than {} changes are queued for "
                 "it: queue dropped; everything held here is written when it is back{}",
                 router_->describe(), queue_cap_,
                 *held ? fmt::format(" ({} more such overflows since the last line)", *held)
                       : std::string());
    return;
  }
  queue_.emplace(std::move(key), r);
}

void redis_storage::write_queue() {
  auto queued = std::move(queue_);
  queue_.clear();
  queue_overflowed_ = false;
  queue_written_ += queued.size();
  for (const auto& [key, r] : queued) write(r);
}

void redis_storage::written(std::uint64_t number) {
  if (!number) return;
  unacknowledged_.erase(number);
  // Every change up to the oldest still unanswered is in Redis (in a cluster the nodes
  // answer in any order).
  confirmer_.acknowledged(unacknowledged_.empty() ? confirmer_.last()
                                                  : *unacknowledged_.begin() - 1);
}

void redis_storage::confirm(registrar::confirmation_handler done) {
  if (state_ != state::up && state_ != state::syncing) {
    confirmer_.refuse(std::move(done), fmt::format("Redis is {}", state_name(state_)));
    return;
  }
  confirmer_.wait(std::move(done));
}

// By EVALSHA; a node without the script (NOSCRIPT: restarted, flushed, or one the
// cluster's map added since SCRIPT LOAD) gets it with EVAL, which also caches it there.
void redis_storage::eval(const replica_record& r, bool by_sha, std::uint64_t number) {
  std::string key = redis_keys::key_of(r);
  std::uint64_t g = generation_;
  router_->command(
      key,
      {by_sha ? "EVALSHA" : "EVAL", by_sha ? script_sha() : std::string(redis_keys::write_script),
       "1", key, std::to_string(r.v.stamp), r.v.origin, redis_keys::value_of(r),
       std::to_string(r.expires_ms), redis_keys::channel(target_.db)},
      [this, g, by_sha, r, number](const redisReply* reply) {
        if (g != generation_ || !reply) return;
        if (reply->type == REDIS_REPLY_ERROR) {
          if (by_sha && reply_text(reply).rfind("NOSCRIPT", 0) == 0) {
            eval(r, false, number);
            return;
          }
          // READONLY (a replica now), CLUSTERDOWN, OOM: start over.
          ++counters_.write_errors;
          lost("write refused: " + reply_text(reply));
          return;
        }
        if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 1) {
          ++counters_.written;
        } else {
          ++counters_.refused_older;  // Redis holds a newer version: as good as written
        }
        written(number);
      });
}

void redis_storage::ping() {
  if (!running_) return;
  if (state_ == state::up) {
    auto now = std::chrono::steady_clock::now();
    if (pings_outstanding_ && now - ping_sent_ >= answer_deadline) {
      lost(fmt::format("no answer to PING within {} s", answer_deadline.count()));
    } else if (!pings_outstanding_) {
      // Every data node: in a cluster, the subscription's node is one of them.
      pings_outstanding_ = router_->node_count();
      ping_sent_ = now;
      std::uint64_t g = generation_;
      for (std::size_t n = 0; n < pings_outstanding_; ++n)
        router_->command_on(n, {"PING"}, [this, g](const redisReply* r) {
          if (g == generation_ && r && pings_outstanding_) --pings_outstanding_;
        });
    }
  }
  ping_timer_.expires_after(ping_period);
  ping_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) ping();
  });
}

json redis_storage::status() const {
  auto age =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - since_);
  json j{{"backend", "redis"},
         {"address", router_->describe()},
         {"state", state_name(state_)},
         {"state_for_s", age.count()},
         {"channel", redis_keys::channel(target_.db)},
         {"bindings", bindings_.size()},
         {"tombstones", bindings_.tombstones()},
         {"sessions", sessions_.size()},
         {"writes_applied", counters_.written},
         {"writes_older", counters_.refused_older},
         {"write_errors", counters_.write_errors},
         {"changes_received", counters_.received},
         {"changes_applied", counters_.applied},
         {"connects", counters_.connects},
         {"outages", counters_.outages},
         {"last_sync_keys", last_sync_keys_},
         {"last_sync_s", last_sync_s_},
         {"changes_while_down", changes_while_down_},
         {"queued", queue_.size()},
         {"queue_cap", queue_cap_},
         {"queue_overflowed", queue_overflowed_},
         {"queue_overflows", queue_overflows_},
         {"queued_written", queue_written_}};
  j.update(confirmer_.status());
  if (!error_.empty()) j["error"] = error_;
  j.update(router_->status());  // mode, and the node(s) in use
  return j;
}

std::vector<std::string> redis_storage::alarms() const {
  if (!running_ || state_ == state::up) return {};
  std::string queue;
  if (queue_overflowed_) {
    queue = fmt::format(
        "; more than {} changes were made meanwhile: queue dropped, everything held here is "
        "written when it is back",
        queue_cap_);
  } else if (!queue_.empty()) {
    queue = fmt::format("; {} change(s) queued for it", queue_.size());
  }
  return {fmt::format("40008 SPR_SHARED_STORAGE_UNAVAILABLE: shared storage Redis {} is {}: {}{}",
                      router_->describe(), state_name(state_),
                      error_.empty() ? "not synchronised yet" : error_, queue)};
}

}  // namespace sipproxy::cluster
