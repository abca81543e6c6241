#include "cluster/redis_cluster.hpp"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <algorithm>

#include "cluster/redis_keys.hpp"
#include "cluster/redis_redirect.hpp"

namespace sipproxy::cluster {

redis_cluster::redis_cluster(boost::asio::io_context& io, config::redis_target target)
    : io_(io), target_(std::move(target)), probe_(io), sub_(io), lost_(io) {}

void redis_cluster::open(const std::string& channel, reply_handler on_message,
                         lost_handler on_lost) {
  close();
  lost_.arm(std::move(on_lost));
  channel_ = channel;
  on_message_ = std::move(on_message);
  // The seeds first, then the masters of the last map (the seeds may be gone since).
  candidates_ = target_.nodes;
  for (const auto& m : map_.masters())
    if (std::find(candidates_.begin(), candidates_.end(), m) == candidates_.end())
      candidates_.push_back(m);
  map_.clear();
  last_error_.clear();
  ask_slots(0);
}

void redis_cluster::close() {
  ++generation_;
  lost_.disarm();
  refreshing_ = false;
  probe_.close();
  sub_.close();
  auto nodes = std::move(nodes_);
  nodes_.clear();
  for (auto& n : nodes) n.conn->close();
}

void redis_cluster::ask_slots(std::size_t candidate) {
  if (candidate >= candidates_.size()) {
    lost_.later(fmt::format("no seed node gave the slot map ({})",
                            last_error_.empty() ? "none answered" : last_error_));
    return;
  }
  const auto& a = candidates_[candidate];
  std::uint64_t g = generation_;
  std::string err;
  auto next = [this, g, candidate, a](const std::string& reason) {
    if (g != generation_) return;
    last_error_ = fmt::format("{}: {}", a.text(), reason);
    ask_slots(candidate + 1);
  };
  if (!probe_.open(a.host, a.port, {}, next, err)) {
    next(err);
    return;
  }
  send_setup(probe_, target_.password, 0, [this, g](const std::string& why) {
    if (g == generation_) lost_.now(why);
  });
  probe_.command({"CLUSTER", "SLOTS"}, [this, g, candidate](const redisReply* r) {
    if (g == generation_ && r) on_slots(candidate, r);  // nullptr: `next` follows
  });
}

void redis_cluster::on_slots(std::size_t candidate, const redisReply* r) {
  auto ranges = parse_cluster_slots(r);
  if (!ranges) {
    last_error_ = fmt::format("{}: CLUSTER SLOTS: {}", candidates_[candidate].text(),
                              reply_is_error(r) ? reply_text(r) : "no slot is served");
    probe_.close();
    ask_slots(candidate + 1);
    return;
  }
  probe_.close();
  map_.assign(*ranges);
  for (const auto& m : map_.masters()) node_for(m);
  subscribe();
}

void redis_cluster::subscribe() {
  // Any node hears every PUBLISH of the cluster: the first master's.
  sub_node_ = map_.masters().front();
  std::uint64_t g = generation_;
  std::string err;
  auto down = [this, g](const std::string& reason) {
    if (g == generation_)
      lost_.now(fmt::format("subscription on {}: {}", sub_node_.text(), reason));
  };
  if (!sub_.open(sub_node_.host, sub_node_.port, {}, down, err)) {
    lost_.later(err);
    return;
  }
  send_setup(sub_, target_.password, 0, [this, g](const std::string& why) {
    if (g == generation_) lost_.now(why);
  });
  sub_.command({"SUBSCRIBE", channel_}, on_message_, true);
}

redis_cluster::node& redis_cluster::node_for(const config::redis_address& a) {
  for (auto& n : nodes_)
    if (n.address == a) return n;
  nodes_.push_back({a, std::make_unique<redis_connection>(io_)});
  node& n = nodes_.back();
  std::uint64_t g = generation_;
  std::string err;
  auto down = [this, g, a](const std::string& reason) {
    if (g == generation_) lost_.now(fmt::format("master {}: {}", a.text(), reason));
  };
  if (!n.conn->open(a.host, a.port, {}, down, err)) {
    lost_.later(fmt::format("master {}: {}", a.text(), err));
    return n;
  }
  send_setup(*n.conn, target_.password, 0, [this, g](const std::string& why) {
    if (g == generation_) lost_.now(why);
  });
  return n;
}

void redis_cluster::command(const std::string& key, const std::vector<std::string>& args,
                            reply_handler h) {
  send(redis_keys::cluster_slot(key), std::make_shared<const std::vector<std::string>>(args),
       std::move(h), 0, std::nullopt);
}

void redis_cluster::send(unsigned slot, shared_args args, reply_handler h, int hops,
                         std::optional<config::redis_address> ask) {
  const config::redis_address* to = ask ? &*ask : map_.owner(slot);
  if (!to) {
    lost_.now(fmt::format("no master serves slot {}", slot));
    if (h) h(nullptr);
    return;
  }
  node& n = node_for(*to);
  std::uint64_t g = generation_;
  auto on_reply = [this, g, slot, args, h, hops](const redisReply* r) {
    if (g != generation_ || !r || r->type != REDIS_REPLY_ERROR) {
      if (h) h(r);
      return;
    }
    std::string text = reply_text(r);
    auto red = parse_redirect(text);
    if (!red) {
      if (h) h(r);
      return;
    }
    if (hops + 1 > max_redirections) {
      lost_.now(fmt::format("more than {} redirections for slot {} (the last: {})",
                            max_redirections, slot, text));
      if (h) h(nullptr);
      return;
    }
    if (red->how == redis_redirect::kind::moved) {
      ++counters_.moved;
      map_.move(red->slot, red->to);
      refresh(red->to);
      send(slot, args, h, hops + 1, std::nullopt);
    } else {
      ++counters_.ask;
      send(slot, args, h, hops + 1, red->to);
    }
  };
  // ASKING holds for the next command on this connection only: nothing can come between.
  if (ask) n.conn->command({"ASKING"}, {});
  if (!n.conn->command(*args, on_reply) && h) h(nullptr);
}

void redis_cluster::refresh(const config::redis_address& via) {
  if (refreshing_) return;
  refreshing_ = true;
  ++counters_.refreshes;
  std::uint64_t g = generation_;
  node_for(via).conn->command({"CLUSTER", "SLOTS"}, [this, g](const redisReply* r) {
    if (g != generation_) return;
    refreshing_ = false;
    auto ranges = parse_cluster_slots(r);
    if (!ranges) return;  // keep the map the MOVED corrected
    map_.assign(*ranges);
    for (const auto& m : map_.masters()) node_for(m);
  });
}

void redis_cluster::command_on(std::size_t index, const std::vector<std::string>& args,
                               reply_handler h) {
  if (index >= nodes_.size() || !nodes_[index].conn->command(args, h)) {
    if (h) h(nullptr);
  }
}

nlohmann::json redis_cluster::status() const {
  nlohmann::json seeds = nlohmann::json::array(), masters = nlohmann::json::array();
  for (const auto& s : target_.nodes) seeds.push_back(s.text());
  for (const auto& m : map_.masters())
    masters.push_back(
        {{"address", m.text()}, {"slots", map_.slots_of(m)}, {"ranges", map_.ranges_of(m)}});
  nlohmann::json j{{"mode", config::mode_name(target_.mode)},
                   {"seeds", seeds},
                   {"masters", masters},
                   {"connections", nodes_.size()},
                   {"redirections_moved", counters_.moved},
                   {"redirections_ask", counters_.ask},
                   {"map_refreshes", counters_.refreshes}};
  if (!map_.empty()) j["subscribed_on"] = sub_node_.text();
  return j;
}

}  // namespace sipproxy::cluster
