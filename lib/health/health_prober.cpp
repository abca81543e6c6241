#include "health/health_prober.hpp"

#include <fmt/format.h>

#include "config/settings.hpp"
#include "log/logger.hpp"
#include "sip/cseq.hpp"
#include "sip/parser.hpp"
#include "sip/request_builder.hpp"
#include "txn/transaction_layer.hpp"

namespace sipproxy::health {

using routing::member_state;

std::chrono::seconds parse_retry_after(std::string_view value) {
  std::size_t n = 0;
  while (n < value.size() && value[n] >= '0' && value[n] <= '9') ++n;
  auto v = sip::parse_uint(value.substr(0, n), 86400);
  return std::chrono::seconds(v ? *v : 0);
}

health_prober::health_prober(txn::transaction_layer& layer, txn::timer_queue& timers,
                             routing::server_table& servers, const config::settings& settings,
                             prober_identity self, probe_policy policy)
    : layer_(layer),
      timers_(timers),
      servers_(servers),
      settings_(settings),
      self_(std::move(self)),
      policy_(policy) {
  for (const auto& p : servers_.pairs()) {
    targets_.push_back(target{p.index, false, member_health(policy_)});
    if (p.backup) targets_.push_back(target{p.index, true, member_health(policy_)});
    pair_available_.push_back(true);
  }
}

health_prober::~health_prober() {
  stop();
}

routing::member& health_prober::member_of(const target& t) {
  if (t.feature) return features_->all()[t.pair];
  auto& pair = servers_.pairs()[t.pair];
  return t.backup ? *pair.backup : pair.primary;
}

const routing::member& health_prober::member_of(const target& t) const {
  if (t.feature) return features_->all()[t.pair];
  const auto& pair = servers_.pairs()[t.pair];
  return t.backup ? *pair.backup : pair.primary;
}

// How the log names a target: "SIP Server NAME primary HOST:PORT", "Feature Server HOST:PORT".
std::string health_prober::describe(const target& t) const {
  if (t.feature) return fmt::format("Feature Server {}", member_of(t).configured);
  return fmt::format("SIP Server {} {} {}", servers_.pairs()[t.pair].name,
                     t.backup ? "backup" : "primary", member_of(t).configured);
}

void health_prober::stop_target(target& t) {
  timers_.cancel(t.timer);
  t.timer = 0;
  if (t.pending) layer_.abandon(t.pending);
  t.pending = 0;
}

void health_prober::watch_feature_servers(routing::feature_servers& servers) {
  // Feature Server targets come after every SIP Server member's: the indices the timers
  // of those hold stay valid.
  while (!targets_.empty() && targets_.back().feature) {
    stop_target(targets_.back());
    targets_.pop_back();
  }
  features_ = &servers;
  for (std::size_t i = 0; i < servers.all().size(); ++i) {
    servers.all()[i].state = member_state::active;
    targets_.push_back(target{i, false, member_health(policy_)});
    targets_.back().feature = true;
  }
  if (!running_ || settings_.oos_check == 0) return;
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    if (targets_[i].feature && !targets_[i].pending && !targets_[i].timer)
      schedule(i, std::chrono::milliseconds(0));
  }
}

void health_prober::start() {
  running_ = true;
  reconfigure();
}

void health_prober::stop() {
  running_ = false;
  for (auto& t : targets_) stop_target(t);
}

void health_prober::reconfigure() {
  if (!running_) return;
  if (settings_.oos_check == 0) {
    log::standard(
        "oos-check = 0: SIP Servers and Feature Servers are not probed and are taken as in "
        "service");
    for (std::size_t i = 0; i < targets_.size(); ++i) {
      target& t = targets_[i];
      stop_target(t);
      t.health.restore();
      member_of(t).state = member_state::active;
      if (!t.feature) pair_available_[t.pair] = true;
    }
    return;
  }
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    if (!targets_[i].pending) schedule(i, std::chrono::milliseconds(0));
  }
}

void health_prober::schedule(std::size_t i, std::chrono::milliseconds after) {
  timers_.cancel(targets_[i].timer);
  targets_[i].timer = timers_.after(after, [this, i] {
    targets_[i].timer = 0;
    send_probe(i);
  });
}

void health_prober::send_probe(std::size_t i) {
  if (!running_ || settings_.oos_check == 0) return;
  target& t = targets_[i];
  const routing::member& m = member_of(t);
  std::uint32_t seq = cseq_++;
  std::string host_port = m.configured.substr(0, m.configured.find(';'));
  std::string call_id = fmt::format("sp{:x}{:x}@{}", seq, i, self_.via_host);
  std::string branch = fmt::format("z9hG4bKsppr{:x}.{:x}.{:016x}", seq, i, nonce_.next());
  bool tcp = m.address.proto == transport::protocol::tcp;
  std::string text =
      sip::build_options(host_port + (tcp ? ";transport=tcp" : ""), tcp ? "TCP" : "UDP",
                         self_.via_host, self_.port, branch, call_id, seq);
  auto parsed = sip::parse(std::move(text));
  if (!parsed.msg || parsed.error_status) return;
  txn::txn_id id = layer_.create_request(parsed.msg, m.address, this);
  if (!id) return;
  t.pending = id;
  t.sent_at = timers_.now();
  ++t.sent;
  t.timer = timers_.after(policy_.probe_timeout, [this, i] {
    targets_[i].timer = 0;
    on_deadline(i);
  });
  layer_.start(id);
}

health_prober::target* health_prober::settle(txn::txn_id client, std::size_t* index) {
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    target& t = targets_[i];
    if (t.pending != client) continue;
    t.pending = 0;
    timers_.cancel(t.timer);
    t.timer = 0;
    *index = i;
    return &t;
  }
  return nullptr;
}

void health_prober::on_response(txn::txn_id client, const sip::message_ptr& response) {
  if (response->status() < 200) return;
  std::size_t i = 0;
  target* t = settle(client, &i);
  if (!t) return;
  ++t->answered;
  t->last_rtt_ms = std::chrono::duration<double, std::milli>(timers_.now() - t->sent_at).count();
  if (response->status() == 503) {
    apply(i, verdict::unavailable, parse_retry_after(response->value(sip::header_id::retry_after)),
          "answered OPTIONS with 503");
  } else {
    apply(i, verdict::alive, std::chrono::seconds(0), "answers OPTIONS");
  }
}

void health_prober::on_client_failed(txn::txn_id client, int) {
  std::size_t i = 0;
  if (!settle(client, &i)) return;
  apply(i, verdict::silent, std::chrono::seconds(0), "unreachable");
}

void health_prober::on_deadline(std::size_t i) {
  target& t = targets_[i];
  if (t.pending) layer_.abandon(t.pending);
  t.pending = 0;
  apply(i, verdict::silent, std::chrono::seconds(0), "did not answer OPTIONS in time");
}

void health_prober::report(const transport::peer& member, verdict v,
                           std::chrono::seconds retry_after) {
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    const auto& a = member_of(targets_[i]).address;
    if (a.address == member.address && a.port == member.port) {
      apply(i, v, retry_after,
            v == verdict::unavailable ? "answered a new request with 503" : "failed a new request");
      return;
    }
  }
}

void health_prober::apply(std::size_t i, verdict v, std::chrono::seconds retry_after,
                          const char* why) {
  target& t = targets_[i];
  routing::member& m = member_of(t);
  member_state before = t.health.state();
  if (t.health.on_result(v, retry_after)) {
    m.state = t.health.state();
    log::standard(
        "{}: {} -> {} ({}{})", describe(t), routing::member_state_name(before),
        routing::member_state_name(m.state), why,
        retry_after.count() ? fmt::format(", Retry-After {} s", retry_after.count()) : "");
  }
  if (t.health.state() != before && !t.feature) {
    const auto& pair = servers_.pairs()[t.pair];
    bool available = servers_.active_member(pair) != nullptr;
    if (available != pair_available_[t.pair]) {
      pair_available_[t.pair] = available;
      if (!available) {
        log::event(log::event_id::sips_ha_pair_unavailable,
                   "SIP Server HA pair {} (primary {}) is unavailable: no member takes new calls",
                   pair.name, pair.primary.configured);
      } else {
        const routing::member* now = servers_.active_member(pair);
        log::standard("SIP Server HA pair {} (primary {}) is available again: new calls go to {}",
                      pair.name, pair.primary.configured, now->configured);
      }
    }
  }
  if (!running_) return;
  if (settings_.oos_check == 0) {
    // Not probing: a member a call found unusable is retried after Retry-After (30 s by
    // default) rather than never again.
    if (t.health.state() != member_state::active) {
      auto back = retry_after.count() ? retry_after : std::chrono::seconds(30);
      timers_.cancel(t.timer);
      t.timer = timers_.after(back, [this, i, back] {
        target& again = targets_[i];
        again.timer = 0;
        again.health.restore();
        routing::member& mm = member_of(again);
        mm.state = member_state::active;
        log::standard("{}: retried after {} s (oos-check = 0: no probes)", describe(again),
                      back.count());
        if (!again.feature) pair_available_[again.pair] = true;
      });
    }
    return;
  }
  if (!t.pending) schedule(i, t.health.next_probe_in(settings_.oos_check, settings_.oos_force));
}

std::vector<member_status> health_prober::feature_server_status() const {
  std::vector<member_status> out;
  for (const auto& t : targets_) {
    if (!t.feature) continue;
    const routing::member& m = member_of(t);
    out.push_back(member_status{"", "feature-server", m.configured, m.state, t.last_rtt_ms, t.sent,
                                t.answered});
  }
  return out;
}

std::vector<member_status> health_prober::status() const {
  std::vector<member_status> out;
  for (const auto& t : targets_) {
    if (t.feature) continue;
    const auto& pair = servers_.pairs()[t.pair];
    const routing::member& m = t.backup ? *pair.backup : pair.primary;
    out.push_back(member_status{pair.name, t.backup ? "backup" : "primary", m.configured, m.state,
                                t.last_rtt_ms, t.sent, t.answered});
  }
  return out;
}

}  // namespace sipproxy::health
