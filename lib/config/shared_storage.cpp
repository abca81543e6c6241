#include "config/shared_storage.hpp"

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <stdexcept>

namespace sipproxy::config {

namespace {

constexpr std::string_view single_scheme = "redis://";
constexpr std::string_view cluster_scheme = "redis-cluster://";
constexpr std::string_view sentinel_scheme = "redis-sentinel://";

template <typename T>
bool to_number(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

bool starts_with(std::string_view text, std::string_view head) {
  return text.substr(0, head.size()) == head;
}

redis_address address_of(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    throw std::invalid_argument(fmt::format("no :PORT after the address '{}'", text));
  redis_address a;
  std::string_view host = text.substr(0, colon);
  if (!to_number(text.substr(colon + 1), a.port) || a.port == 0)
    throw std::invalid_argument("the port must be 1-65535");
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  boost::asio::ip::make_address(std::string(host), ec);
  if (ec) throw std::invalid_argument(fmt::format("'{}' is not an IP address", host));
  a.host = std::string(host);
  return a;
}

std::vector<redis_address> addresses_of(std::string_view text, bool many) {
  std::vector<redis_address> out;
  while (true) {
    auto comma = text.find(',');
    out.push_back(address_of(text.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    if (!many)
      throw std::invalid_argument(
          "redis:// takes one address (a list is for "
          "redis-cluster:// and redis-sentinel://)");
    text = text.substr(comma + 1);
  }
  return out;
}

int db_of(std::string_view text) {
  int db = 0;
  if (!to_number(text, db) || db < 0)
    throw std::invalid_argument("the database after '/' must be a number from 0");
  return db;
}

std::string list_of(const std::vector<redis_address>& nodes) {
  std::string out;
  for (const auto& n : nodes) out += (out.empty() ? "" : ",") + n.text();
  return out;
}

}  // namespace

std::string redis_address::text() const {
  bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

std::string redis_target::describe() const {
  switch (mode) {
    case redis_mode::single:
      return fmt::format("{}/{}", nodes.empty() ? "?" : nodes.front().text(), db);
    case redis_mode::cluster:
      return "cluster " + list_of(nodes);
    case redis_mode::sentinel:
      return fmt::format("sentinel {} via {}/{}", master_name, list_of(nodes), db);
  }
  return "?";
}

std::string_view mode_name(redis_mode m) {
  switch (m) {
    case redis_mode::single:
      return "redis";
    case redis_mode::cluster:
      return "redis-cluster";
    case redis_mode::sentinel:
      return "redis-sentinel";
  }
  return "?";
}

std::optional<redis_target> parse_shared_storage(std::string_view text) {
  if (text == "peers") return std::nullopt;
  redis_target t;
  std::string_view rest;
  if (starts_with(text, single_scheme)) {
    rest = text.substr(single_scheme.size());
  } else if (starts_with(text, cluster_scheme)) {
    t.mode = redis_mode::cluster;
    rest = text.substr(cluster_scheme.size());
  } else if (starts_with(text, sentinel_scheme)) {
    t.mode = redis_mode::sentinel;
    rest = text.substr(sentinel_scheme.size());
  } else {
    throw std::invalid_argument(
        "neither 'peers' nor a redis://, redis-cluster:// or redis-sentinel:// URL (rediss:// "
        "and TLS are not supported by hiredis 0.14)");
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view auth = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auth.empty() || auth.front() != ':' || auth.size() == 1)
      throw std::invalid_argument(
          fmt::format("the password goes as {}:PASSWORD@IP:PORT (no user "
                      "name)",
                      mode_name(t.mode)));
    t.password = std::string(auth.substr(1));
  }
  // What follows the addresses: /DB (redis, redis-cluster), /MASTER[/DB] (redis-sentinel).
  std::string_view path;
  bool has_path = false;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    has_path = true;
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  t.nodes = addresses_of(rest, t.mode != redis_mode::single);
  if (t.mode == redis_mode::sentinel) {
    auto slash = path.find('/');
    t.master_name = std::string(path.substr(0, slash));
    if (t.master_name.empty())
      throw std::invalid_argument(
          "the master's name goes after the sentinels: "
          "redis-sentinel://IP:PORT[,IP:PORT...]/MASTER[/DB]");
    if (slash != std::string_view::npos) t.db = db_of(path.substr(slash + 1));
  } else if (has_path) {
    t.db = db_of(path);
  }
  if (t.mode == redis_mode::cluster && t.db != 0)
    throw std::invalid_argument("a Redis Cluster has database 0 only: no /DB, or /0");
  return t;
}

std::string masked_shared_storage(std::string_view text) {
  for (auto scheme : {single_scheme, cluster_scheme, sentinel_scheme}) {
    if (!starts_with(text, scheme)) continue;
    auto at = text.rfind('@');
    if (at == std::string_view::npos) return std::string(text);
    return fmt::format("{}:***{}", scheme, text.substr(at));
  }
  return std::string(text);
}

}  // namespace sipproxy::config
