#include "cluster/pool.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "log/logger.hpp"
#include "transport/peer.hpp"

namespace sipproxy::cluster {

namespace asio = boost::asio;
using mgmt::json;

std::optional<asio::ip::tcp::endpoint> mgmt_endpoint(const config::proxy_app& p) {
  if (!p.mgmt_port) return std::nullopt;
  asio::ip::address a;
  if (!transport::parse_ip(p.mgmt_address, a)) return std::nullopt;
  if (a.is_unspecified() && !transport::parse_ip(p.host, a)) return std::nullopt;
  return asio::ip::tcp::endpoint(transport::normalize(a), *p.mgmt_port);
}

pool::pool(asio::io_context& io, const config::settings& settings,
           replicated_binding_store& bindings, replicated_session_table& sessions,
           config::test_timers timers)
    : shared_state(bindings, sessions),
      io_(io),
      settings_(settings),
      timers_(timers),
      confirmer_(io, "the pool's peers", [&settings] {
        return std::chrono::milliseconds(std::max(0, settings.registration_confirm_timeout));
      }) {
  for (const auto& name : settings.sipproxy_applications) {
    if (name == settings.app) continue;
    for (const auto& p : settings.proxies) {
      if (p.name != name) continue;
      if (auto ep = mgmt_endpoint(p)) {
        peers_.push_back(peer_info{name, *ep});
      } else {
        log::standard("pool: instance {} has no mgmt-port on an IP address: not linked", name);
      }
    }
  }
  for (const auto& p : peers_) links_.push_back(std::make_unique<peer_link>(io_, *this, p));
  auto sink = [this](const replica_record& r) { on_local_change(r); };
  bindings_.set_sink(sink);
  sessions_.set_sink(sink);
  // A lone instance (no peer) confirms nothing: today's behaviour, no wait.
  if (!links_.empty())
    bindings_.set_confirmer(
        [this](registrar::confirmation_handler done) { confirm(std::move(done)); });
}

pool::~pool() {
  bindings_.set_confirmer({});
  bindings_.set_sink({});
  sessions_.set_sink({});
}

std::chrono::milliseconds pool::send_interval() const {
  return std::chrono::milliseconds(std::max(1, settings_.send_data_timeout));
}

std::chrono::milliseconds pool::response_deadline() const {
  return std::chrono::seconds(std::max(1, settings_.wait_response_timeout));
}

std::uint16_t pool::client_side_port() const {
  return static_cast<std::uint16_t>(settings_.client_side_port);
}

std::string pool::request_line(const std::string& cmd, std::vector<std::string> args) const {
  mgmt::request r;
  r.cmd = cmd;
  r.args.push_back(settings_.app);
  for (auto& a : args) r.args.push_back(std::move(a));
  r.token = settings_.mgmt_token;
  return mgmt::encode(r);
}

std::string pool::update_line(const std::string& records) const {
  // Built as text: the records are already JSON.
  json head{{"cmd", "peer-update"}, {"args", json::array({settings_.app})}};
  if (!settings_.mgmt_token.empty()) head["token"] = settings_.mgmt_token;
  std::string line = head.dump();
  line.pop_back();  // the closing brace
  line += ",\"data\":{\"records\":[" + records + "]}}\n";
  return line;
}

std::size_t pool::peers_up() const {
  std::size_t n = 0;
  for (const auto& l : links_) n += l->state() == link_state::up;
  return n;
}

void pool::on_local_change(const replica_record& r) {
  if (links_.empty()) return;
  std::string text = to_json(r).dump();
  if (text.size() > batch_bytes) {  // would not fit a management line: kept here only
    log::standard("pool: a {}-byte record for {} is too large to replicate", text.size(), r.a);
    return;
  }
  std::uint64_t number = confirmer_.next();
  for (auto& l : links_) l->enqueue(text, number);
}

void pool::confirm(registrar::confirmation_handler done) {
  if (std::none_of(links_.begin(), links_.end(), [](const auto& l) { return l->live(); })) {
    confirmer_.refuse(std::move(done), "no other instance of the pool is connected");
    return;
  }
  confirmer_.wait(std::move(done));
  if (confirmer_.waiting())
    for (auto& l : links_) l->wake();
}

void pool::link_progress() {
  // One live peer's acknowledgement is enough, or every live peer's (
  // registration-confirm-peers = all); a peer that is not live does not count.
  bool all = settings_.registration_confirm_peers == "all";
  std::optional<std::uint64_t> upto;
  for (const auto& l : links_) {
    if (!l->live()) continue;
    upto = !upto ? l->acked() : all ? std::min(*upto, l->acked()) : std::max(*upto, l->acked());
  }
  if (!upto) {
    confirmer_.fail_all("no other instance of the pool is connected");
    return;
  }
  confirmer_.acknowledged(*upto);
}

peer_link* pool::link_of(const std::string& name) {
  for (auto& l : links_) {
    if (l->info().name == name) return l.get();
  }
  return nullptr;
}

json pool::page(std::optional<std::uint64_t> after, std::size_t n) const {
  // The records whose 64-bit key is above the cursor ("after" absent: from the start; a
  // record whose key is 0, one in 2^64, would not be paged), n at most, in key order.
  std::vector<std::pair<std::uint64_t, replica_record>> recs;
  std::uint64_t from = after.value_or(0);
  bindings_.collect(from, n + 1, recs);
  sessions_.collect(from, n + 1, recs);
  std::sort(recs.begin(), recs.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  json out{{"records", json::array()}, {"next", nullptr}};
  std::size_t take = std::min(n, recs.size());
  for (std::size_t i = 0; i < take; ++i) out["records"].push_back(to_json(recs[i].second));
  if (recs.size() > n && take) out["next"] = std::to_string(recs[take - 1].first);
  return out;
}

std::size_t pool::apply(const json& records, const std::string& from) {
  std::size_t applied = 0;
  if (!records.is_array()) return 0;
  for (const auto& j : records) {
    auto r = record_from_json(j);
    if (!r) continue;
    applied += r->kind == record_kind::binding ? bindings_.apply(*r) : sessions_.apply(*r);
  }
  if (auto* l = link_of(from)) l->count_received(records.size());
  return applied;
}

std::optional<json> pool::handle(const mgmt::request& r) {
  if (r.cmd.rfind("peer-", 0) != 0) return std::nullopt;
  if (r.args.empty()) return mgmt::refused(r.cmd + " needs the sending instance's name");
  const std::string& from = r.args[0];
  bool known = false;
  for (const auto& p : peers_) known = known || p.name == from;
  if (!known)
    return mgmt::refused(fmt::format("{} is not another instance of sipproxy-applications", from));
  if (r.cmd == "peer-hello" || r.cmd == "peer-digest")
    return mgmt::ok(
        json{{"app", settings_.app}, {"digest", digest_text()}, {"records", records()}});
  if (r.cmd == "peer-update") {
    if (!r.data.is_object() || !r.data.contains("records"))
      return mgmt::refused("peer-update needs data.records");
    return mgmt::ok(json{{"applied", apply(r.data["records"], from)}});
  }
  if (r.cmd == "peer-snapshot") {
    std::optional<std::uint64_t> after;
    if (r.args.size() > 1) {
      try {
        after = std::stoull(r.args[1]);
      } catch (const std::exception&) {
        return mgmt::refused("peer-snapshot: the cursor is not a number");
      }
    }
    return mgmt::ok(page(after, page_records));
  }
  return mgmt::refused(fmt::format("unknown peer command '{}'", r.cmd));
}

std::string pool::initial_sync(std::chrono::seconds bound) {
  if (peers_.empty()) return "no other instance to get the state from";
  asio::io_context io;
  struct attempt {
    std::string peer;
    std::unique_ptr<line_channel> channel;
    std::string result = "no answer within the bound";
    std::size_t records = 0;
    bool done = false;
  };
  std::vector<attempt> attempts;
  for (const auto& p : peers_)
    attempts.push_back(attempt{p.name, std::make_unique<line_channel>(io.get_executor())});
  auto deadline = response_deadline();
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    auto run = [](pool& self, attempt& a, asio::ip::tcp::endpoint ep,
                  std::chrono::milliseconds d) -> asio::awaitable<void> {
      std::string e = co_await a.channel->connect(ep, self.client_side_port(), d);
      if (e.empty()) {
        std::string reply;
        e = co_await a.channel->call(self.request_line("peer-hello", {}), reply, d);
        if (e.empty()) {
          json j = json::parse(reply, nullptr, false);
          if (j.is_discarded() || !j.value("ok", false))
            e = "refused: " + (j.is_object() ? j.value("error", std::string("?")) : reply);
        }
      }
      if (e.empty()) e = co_await peer_link::pull(*a.channel, self, a.peer, d, a.records);
      a.channel->close();
      a.result = e;
      a.done = true;
    };
    asio::co_spawn(io, run(*this, attempts[i], peers_[i].mgmt, deadline), asio::detached);
  }
  auto until = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < until) {
    bool all = true;
    for (const auto& a : attempts) all = all && a.done;
    if (all) break;
    io.run_for(std::chrono::milliseconds(50));
    if (io.stopped()) io.restart();
  }
  std::string text;
  std::size_t synced = 0;
  for (const auto& a : attempts) {
    if (!text.empty()) text += "; ";
    if (a.done && a.result.empty()) {
      ++synced;
      text += fmt::format("{}: {} record(s)", a.peer, a.records);
    } else {
      text += fmt::format("{}: {}", a.peer, a.done ? a.result : "no answer within the bound");
    }
  }
  for (auto& a : attempts) a.channel->close();
  io.run_for(std::chrono::milliseconds(10));
  return fmt::format("state from {} of {} peer(s) ({} record(s) held): {}", synced, peers_.size(),
                     records(), text);
}

std::string pool::sync_before_serving(std::chrono::seconds bound) {
  return links_.empty() ? std::string() : "pool: " + initial_sync(bound);
}

void pool::start() {
  for (auto& l : links_) l->start();
}

void pool::stop() {
  for (auto& l : links_) l->stop();
}

json pool::peers() const {
  json out = json::array();
  for (const auto& l : links_) out.push_back(l->status());
  return out;
}

std::vector<std::string> pool::alarms() const {
  std::vector<std::string> out;
  for (const auto& l : links_) {
    if (l->state() != link_state::down || !l->reported_down()) continue;
    json s = l->status();
    out.push_back(fmt::format(
        "40002 SPR_OTHER_PROXY_INSTANCE_DISCONNECTED: SIP Proxy instance {} "
        "({}) is disconnected: {}{}",
        l->info().name, s["address"].get<std::string>(), s.value("error", std::string("?")),
        l->overflowed_while_down()
            ? fmt::format("; more than {} changes were queued for it: the whole state goes "
                          "when it is back",
                          down_queue_cap)
            : std::string()));
  }
  return out;
}

}  // namespace sipproxy::cluster
