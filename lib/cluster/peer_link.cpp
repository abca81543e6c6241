#include "cluster/peer_link.hpp"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cluster/pool.hpp"
#include "log/logger.hpp"

namespace sipproxy::cluster {

namespace asio = boost::asio;
using json = nlohmann::json;
using std::chrono::steady_clock;

std::string_view link_state_name(link_state s) {
  switch (s) {
    case link_state::connecting:
      return "connecting";
    case link_state::syncing:
      return "syncing";
    case link_state::up:
      return "up";
    case link_state::down:
      return "down";
  }
  return "?";
}

namespace {

// The reply to a call: the object when ok, else `error` says why.
std::optional<json> ok_reply(const std::string& text, std::string& error) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "the peer's answer is not a JSON object";
    return std::nullopt;
  }
  if (!j.value("ok", false)) {
    error = "refused by the peer: " + j.value("error", std::string("no reason given"));
    return std::nullopt;
  }
  return j;
}

}  // namespace

peer_link::peer_link(asio::io_context& io, pool& owner, peer_info info)
    : io_(io), owner_(owner), info_(std::move(info)), channel_(io.get_executor()), timer_(io) {}

void peer_link::start() {
  started_ = steady_clock::now();
  asio::co_spawn(io_, run(), asio::detached);
}

void peer_link::stop() {
  stopped_ = true;
  timer_.cancel();
  channel_.close();
}

void peer_link::enqueue(std::string record, std::uint64_t number) {
  // While the link is down the queue is bounded lower: a peer away for long gets the
  // whole state at the next exchange anyway.
  std::size_t cap = live() ? outbox_cap : down_queue_cap;
  if (overflowed_ && !live()) return;  // the next exchange sends everything
  if (outbox_.size() >= cap) {
    outbox_.clear();
    overflowed_ = true;
    ++overflows_;
    log::standard(
        "pool: more than {} changes queued for {} ({}): queue dropped, the whole "
        "state goes at the next exchange",
        cap, info_.name, link_state_name(state_));
    return;
  }
  if (!live()) ++queued_while_down_;
  outbox_.push_back(queued{std::move(record), steady_clock::now(), number});
}

void peer_link::wake() {
  woken_ = true;
  if (sleeping_ && state_ == link_state::up) timer_.cancel();
}

void peer_link::set_state(link_state s, const std::string& why) {
  bool down = s == link_state::down;
  // A peer that never linked and cannot be reached is not expected up until the grace
  // after start has passed (the pool may be starting); then it is reported like any other.
  bool expected_up = ever_up_ || !unreachable_ ||
                     steady_clock::now() - started_ >= start_grace(owner_.timers().reconnect);
  bool to_report = down && !reported_down_ && expected_up;
  if (s == state_ && why == last_error_ && !to_report) return;
  link_state was = state_;
  state_ = s;
  since_ = steady_clock::now();
  if (down && !reported_down_ && !expected_up) {
    if (why != last_error_)
      log::interaction("SIP Proxy instance {} not connected yet (it may still be starting): {}",
                       info_.name, why);
    last_error_ = why;
  } else if (down) {
    bool new_reason = why != last_error_;
    last_error_ = why;
    if (reported_down_ && new_reason) {
      log::standard("SIP Proxy instance {} is still disconnected: {}", info_.name, why);
    } else if (!reported_down_) {
      reported_down_ = true;
      ++disconnects_;
      log::event(log::event_id::other_proxy_instance_disconnected,
                 "SIP Proxy instance {} ({}) is disconnected: {}{}", info_.name,
                 fmt::format("{}:{}", info_.mgmt.address().to_string(), info_.mgmt.port()), why,
                 ever_up_ ? "" : " (never connected since start)");
    }
  } else if (s == link_state::up) {
    last_error_.clear();
    if (reported_down_ || was != link_state::up)
      log::standard("SIP Proxy instance {} is connected{}: states exchanged", info_.name,
                    reported_down_ ? " again (alarm 40002 cleared)" : "");
    reported_down_ = false;
    ever_up_ = true;
  }
  owner_.link_progress();  // a REGISTER may wait on this link, or no longer
}

asio::awaitable<void> peer_link::sleep(std::chrono::milliseconds d) {
  timer_.expires_after(d);
  co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> peer_link::run() {
  // Retried after 1 s, then 2 s, 4 s, then every 5 s while the peer stays away (the
  // reconnect timer and its multiples).
  const std::chrono::milliseconds first = owner_.timers().reconnect;
  std::chrono::milliseconds backoff = first;
  while (!stopped_) {
    unreachable_ = false;
    std::string why = co_await session();
    if (stopped_) break;
    if (state_ == link_state::up || state_ == link_state::syncing) backoff = first;
    set_state(link_state::down, why);
    co_await sleep(backoff);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, first * 5);
  }
}

asio::awaitable<std::string> peer_link::session() {
  auto deadline = owner_.response_deadline();
  if (state_ != link_state::down) set_state(link_state::connecting);
  if (std::string e = co_await channel_.connect(info_.mgmt, owner_.client_side_port(), deadline);
      !e.empty()) {
    unreachable_ = true;
    co_return "cannot connect to its management port: " + e;
  }
  std::string reply, error;
  auto t0 = steady_clock::now();
  if (std::string e =
          co_await channel_.call(owner_.request_line("peer-hello", {}), reply, deadline);
      !e.empty())
    co_return e;
  if (!ok_reply(reply, error)) co_return error;
  rtt_ms_ = std::chrono::duration<double, std::milli>(steady_clock::now() - t0).count();
  set_state(link_state::syncing);
  // What was queued while the link was down goes first, then the whole states.
  if (!overflowed_) {
    if (std::string e = co_await flush(deadline); !e.empty()) co_return e;
  }
  overflowed_ = false;
  if (std::string e = co_await exchange(deadline); !e.empty()) co_return e;
  set_state(link_state::up);
  const auto heartbeat = owner_.timers().heartbeat;
  const auto digest_check = owner_.timers().digest_check;
  auto next_check = steady_clock::now() + digest_check;
  auto next_beat = steady_clock::now() + heartbeat;
  mismatches_ = 0;
  while (!stopped_) {
    if (!woken_) {
      sleeping_ = true;
      co_await sleep(owner_.send_interval());
      sleeping_ = false;
    }
    woken_ = false;
    if (stopped_) break;
    deadline = owner_.response_deadline();
    if (overflowed_) {
      overflowed_ = false;
      if (std::string e = co_await exchange(deadline); !e.empty()) co_return e;
    }
    if (std::string e = co_await flush(deadline); !e.empty()) co_return e;
    // A heartbeat every `heartbeat` (a silent peer is found within it plus
    // wait-response-timeout); the digests are compared every `digest_check`.
    if (steady_clock::now() < next_beat) continue;
    next_beat = steady_clock::now() + heartbeat;
    t0 = steady_clock::now();
    if (std::string e =
            co_await channel_.call(owner_.request_line("peer-digest", {}), reply, deadline);
        !e.empty())
      co_return e;
    auto j = ok_reply(reply, error);
    if (!j) co_return error;
    rtt_ms_ = std::chrono::duration<double, std::milli>(steady_clock::now() - t0).count();
    if (steady_clock::now() < next_check) continue;
    next_check = steady_clock::now() + digest_check;
    // Records in flight either way make a mismatch normal: compare only when neither
    // side has anything queued for the other, and act on two mismatches in a row.
    bool quiet = outbox_.empty() && j->value("queued_for_you", std::size_t{0}) == 0;
    if (!quiet || j->value("digest", std::string()) == owner_.digest_text()) {
      mismatches_ = 0;
      continue;
    }
    if (++mismatches_ < 2) continue;
    log::standard("pool: state differs from {}'s (digest {} here, {} there): exchanging states",
                  info_.name, owner_.digest_text(), j->value("digest", std::string()));
    ++repairs_;
    mismatches_ = 0;
    if (std::string e = co_await exchange(deadline); !e.empty()) co_return e;
  }
  co_return std::string("stopped");
}

asio::awaitable<std::string> peer_link::exchange(std::chrono::milliseconds deadline) {
  ++exchanges_;
  outbox_.clear();  // everything is in the full push
  std::uint64_t upto = owner_.last_change();
  if (std::string e = co_await push_all(deadline); !e.empty()) co_return e;
  if (upto > acked_) {
    acked_ = upto;
    owner_.link_progress();
  }
  std::size_t records = 0;
  co_return co_await pull(channel_, owner_, info_.name, deadline, records);
}

asio::awaitable<std::string> peer_link::send_batch(const std::string& batch, std::size_t n,
                                                   std::chrono::milliseconds deadline) {
  if (!n) co_return std::string();
  std::string reply, error;
  auto t0 = steady_clock::now();
  if (std::string e = co_await channel_.call(owner_.update_line(batch), reply, deadline);
      !e.empty())
    co_return e;
  if (!ok_reply(reply, error)) co_return error;
  rtt_ms_ = std::chrono::duration<double, std::milli>(steady_clock::now() - t0).count();
  sent_ += n;
  ++batches_;
  co_return std::string();
}

asio::awaitable<std::string> peer_link::push_all(std::chrono::milliseconds deadline) {
  std::optional<std::uint64_t> after;
  for (;;) {
    json page = owner_.page(after, page_records);
    // Re-batch the page under the line cap.
    std::string batch;
    std::size_t n = 0;
    for (const auto& r : page["records"]) {
      std::string text = r.dump();
      if (text.size() > batch_bytes) continue;  // too large for a line (logged when written)
      if (n && batch.size() + text.size() + 1 > batch_bytes) {
        if (std::string e = co_await send_batch(batch, n, deadline); !e.empty()) co_return e;
        batch.clear();
        n = 0;
      }
      if (n) batch.push_back(',');
      batch += text;
      ++n;
    }
    if (std::string e = co_await send_batch(batch, n, deadline); !e.empty()) co_return e;
    if (!page["next"].is_string()) break;
    after = std::stoull(page["next"].get<std::string>());
  }
  co_return std::string();
}

asio::awaitable<std::string> peer_link::flush(std::chrono::milliseconds deadline) {
  while (!outbox_.empty()) {
    std::string batch;
    std::size_t n = 0;
    for (auto it = outbox_.begin(); it != outbox_.end(); ++it) {
      if (n && batch.size() + it->record.size() + 1 > batch_bytes) break;
      if (n) batch.push_back(',');
      batch += it->record;
      ++n;
    }
    std::uint64_t last = std::prev(outbox_.begin() + static_cast<std::ptrdiff_t>(n))->number;
    if (std::string e = co_await send_batch(batch, n, deadline); !e.empty()) co_return e;
    // Records queued while the batch was in flight stay queued behind it.
    for (std::size_t i = 0; i < n && !outbox_.empty() && outbox_.front().number <= last; ++i)
      outbox_.pop_front();
    if (last > acked_) {
      acked_ = last;
      owner_.link_progress();
    }
  }
  co_return std::string();
}

asio::awaitable<std::string> peer_link::pull(line_channel& ch, pool& owner, const std::string& peer,
                                             std::chrono::milliseconds deadline,
                                             std::size_t& records) {
  std::string cursor;
  for (;;) {
    std::string reply, error;
    std::vector<std::string> args;
    if (!cursor.empty()) args.push_back(cursor);
    if (std::string e =
            co_await ch.call(owner.request_line("peer-snapshot", args), reply, deadline);
        !e.empty())
      co_return e;
    auto j = ok_reply(reply, error);
    if (!j) co_return error;
    const json& recs = (*j)["records"];
    if (!recs.is_array()) co_return std::string("the peer's snapshot page has no records");
    owner.apply(recs, peer);
    records += recs.size();
    const json& next = (*j)["next"];
    if (!next.is_string()) break;
    cursor = next.get<std::string>();
  }
  co_return std::string();
}

json peer_link::status() const {
  using namespace std::chrono;
  auto now = steady_clock::now();
  json j{{"name", info_.name},
         {"address", fmt::format("{}:{}", info_.mgmt.address().to_string(), info_.mgmt.port())},
         {"link", link_state_name(state_)},
         {"since_s", duration_cast<seconds>(now - since_).count()},
         {"queued", outbox_.size()},
         {"lag_ms",
          outbox_.empty() ? 0 : duration_cast<milliseconds>(now - outbox_.front().at).count()},
         {"records_sent", sent_},
         {"batches_acked", batches_},
         {"records_received", received_},
         {"exchanges", exchanges_},
         {"repairs", repairs_},
         {"disconnects", disconnects_},
         {"queued_while_down", queued_while_down_},
         {"queue_overflows", overflows_},
         {"acked_change", acked_},
         {"rtt_ms", rtt_ms_ < 0 ? json(nullptr) : json(rtt_ms_)},
         {"local_port", channel_.local_port()}};
  if (!last_error_.empty()) j["error"] = last_error_;
  return j;
}

}  // namespace sipproxy::cluster
