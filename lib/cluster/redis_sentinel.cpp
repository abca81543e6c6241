#include "cluster/redis_sentinel.hpp"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <charconv>
#include <sstream>

namespace sipproxy::cluster {

namespace {

std::optional<config::redis_address> address_of(const redisReply* r) {
  // [ip, port]; nil when the sentinel does not monitor that name.
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return std::nullopt;
  std::string host = reply_text(r->element[0]), port = reply_text(r->element[1]);
  config::redis_address a;
  a.host = host;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
  if (host.empty() || ec != std::errc() || p != port.data() + port.size() || a.port == 0)
    return std::nullopt;
  return a;
}

}  // namespace

redis_sentinel::redis_sentinel(boost::asio::io_context& io, config::redis_target target)
    : target_(std::move(target)),
      sentinel_(io),
      cmd_(io),
      sub_(io),
      rewatch_timer_(io),
      lost_(io) {}

void redis_sentinel::open(const std::string& channel, reply_handler on_message,
                          lost_handler on_lost) {
  close();
  lost_.arm(std::move(on_lost));
  channel_ = channel;
  on_message_ = std::move(on_message);
  last_error_.clear();
  ask(0);
}

void redis_sentinel::close() {
  ++generation_;
  lost_.disarm();
  rewatch_timer_.cancel();
  master_ready_ = false;
  sentinel_.close();
  sub_.close();
  cmd_.close();
}

void redis_sentinel::ask(std::size_t tries) {
  if (tries >= target_.nodes.size() && master_ready_) {  // watching only: try again later
    std::uint64_t g = generation_;
    rewatch_timer_.expires_after(std::chrono::seconds(1));
    rewatch_timer_.async_wait([this, g](const boost::system::error_code& ec) {
      if (!ec && g == generation_) watch();
    });
    return;
  }
  if (tries >= target_.nodes.size()) {
    lost_.later(fmt::format("no sentinel named the master '{}' ({})", target_.master_name,
                            last_error_.empty() ? "none answered" : last_error_));
    return;
  }
  const auto s = sentinel();
  std::uint64_t g = generation_;
  std::string err;
  auto down = [this, g, tries, s](const std::string& reason) {
    if (g != generation_) return;
    last_error_ = fmt::format("sentinel {}: {}", s.text(), reason);
    ++next_;
    // Watching only (the master is in use): the storage is not affected; the next
    // sentinel is asked a second later.
    ask(master_ready_ ? target_.nodes.size() : tries + 1);
  };
  if (!sentinel_.open(s.host, s.port, {}, down, err)) {
    down(err);
    return;
  }
  sentinel_.command({"SENTINEL", "get-master-addr-by-name", target_.master_name},
                    [this, g, tries](const redisReply* r) {
                      if (g == generation_ && r) on_master(tries, r);  // nullptr: `down` follows
                    });
}

void redis_sentinel::on_master(std::size_t tries, const redisReply* r) {
  auto a = address_of(r);
  if (!a) {
    last_error_ = fmt::format("sentinel {}: {}", sentinel().text(),
                              reply_is_error(r) ? reply_text(r) : "does not know that master");
    sentinel_.close();
    ++next_;
    ask(tries + 1);
    return;
  }
  if (master_ready_) {  // re-watching: still the same master?
    if (master_ && *a != *master_) {
      lost_.now(
          fmt::format("sentinel {} names {} as the master now", sentinel().text(), a->text()));
      return;
    }
    asked_ = sentinel();
  } else {
    master_ = a;
    asked_ = sentinel();
    connect_master();
  }
  std::uint64_t g = generation_;
  sentinel_.command(
      {"SUBSCRIBE", "+switch-master"},
      [this, g](const redisReply* e) {
        if (g == generation_ && e) on_event(e);
      },
      true);
}

void redis_sentinel::connect_master() {
  std::uint64_t g = generation_;
  const auto m = *master_;
  auto down = [this, g, m](const char* which) {
    return [this, g, m, which](const std::string& reason) {
      if (g == generation_) lost_.now(fmt::format("master {} ({}): {}", m.text(), which, reason));
    };
  };
  std::string err;
  if (!cmd_.open(m.host, m.port, {}, down("commands"), err)) {
    lost_.later(fmt::format("master {}: {}", m.text(), err));
    return;
  }
  auto refused = [this, g](const std::string& why) {
    if (g == generation_) lost_.now(why);
  };
  send_setup(cmd_, target_.password, target_.db, refused);
  cmd_.command({"ROLE"}, [this, g](const redisReply* r) {
    if (g == generation_ && r) on_role(r);
  });
  if (!sub_.open(m.host, m.port, {}, down("subscription"), err)) {
    lost_.later(fmt::format("master {}: {}", m.text(), err));
    return;
  }
  send_setup(sub_, target_.password, 0, refused);
}

void redis_sentinel::on_role(const redisReply* r) {
  std::string role =
      r->type == REDIS_REPLY_ARRAY && r->elements > 0 ? reply_text(r->element[0]) : reply_text(r);
  if (role != "master") {
    lost_.now(fmt::format("{}, named by sentinel {}, is not a master (ROLE: {})", master_->text(),
                          asked_ ? asked_->text() : "?", role.empty() ? "no answer" : role));
    return;
  }
  master_ready_ = true;
  sub_.command({"SUBSCRIBE", channel_}, on_message_, true);
}

void redis_sentinel::watch() {
  if (!master_ready_) return;
  ask(0);  // master_ready_: asks whether the master is still the same, then subscribes
}

void redis_sentinel::on_event(const redisReply* r) {
  // ["message", "+switch-master", "NAME OLD-IP OLD-PORT NEW-IP NEW-PORT"]
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 || reply_text(r->element[0]) != "message")
    return;
  std::istringstream words(reply_text(r->element[2]));
  std::string name, old_ip, old_port, new_ip, new_port;
  words >> name >> old_ip >> old_port >> new_ip >> new_port;
  if (name != target_.master_name) return;
  ++switches_;
  lost_.now(fmt::format("sentinel {}: master '{}' switched from {}:{} to {}:{}",
                        asked_ ? asked_->text() : "?", name, old_ip, old_port, new_ip, new_port));
}

void redis_sentinel::command(const std::string&, const std::vector<std::string>& args,
                             reply_handler h) {
  command_on(0, args, std::move(h));
}

void redis_sentinel::command_on(std::size_t, const std::vector<std::string>& args,
                                reply_handler h) {
  if (!cmd_.command(args, h) && h) h(nullptr);
}

std::string redis_sentinel::describe() const {
  if (!master_) return target_.describe();
  return fmt::format("{} (master {})", target_.describe(), master_->text());
}

nlohmann::json redis_sentinel::status() const {
  nlohmann::json sentinels = nlohmann::json::array();
  for (const auto& s : target_.nodes) sentinels.push_back(s.text());
  nlohmann::json j{{"mode", config::mode_name(target_.mode)},
                   {"master_name", target_.master_name},
                   {"sentinels", sentinels},
                   {"switches_seen", switches_}};
  if (master_) j["master"] = master_->text();
  if (asked_) j["named_by"] = asked_->text();
  return j;
}

}  // namespace sipproxy::cluster
