// The shared-storage option: where the pool's registrations and session affinity live.
//   peers                                                  (the default) replicated
//       between the instances over the management port;
//   redis://[:PASSWORD@]IP:PORT[/DB]                       one Redis server;
//   redis-cluster://[:PASSWORD@]IP:PORT[,IP:PORT...]       a Redis Cluster, given by
//       seed nodes (database 0 only: a cluster has no other);
//   redis-sentinel://[:PASSWORD@]IP:PORT[,IP:PORT...]/MASTER[/DB]   the master that
//       these sentinels name MASTER (the password is the data nodes'; sentinels are
//       asked without one).
// Addresses are IPs, not names: reconnecting must never block the loop on a DNS look-up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipproxy::config {

enum class redis_mode { single, cluster, sentinel };

struct redis_address {
  std::string host;  // an IPv4 or IPv6 address, without brackets
  std::uint16_t port = 6379;
  std::string text() const;  // "IP:PORT", an IPv6 address in brackets
  friend bool operator==(const redis_address&, const redis_address&) = default;
};

struct redis_target {
  redis_mode mode = redis_mode::single;
  // single: the server; cluster: the seed nodes; sentinel: the sentinels.
  std::vector<redis_address> nodes;
  std::string master_name;  // sentinel: the name the sentinels monitor the master by
  int db = 0;
  std::string password;  // empty: no AUTH
  // Without the password, for logs and status: "IP:PORT/DB", "cluster IP:PORT,IP:PORT",
  // "sentinel MASTER via IP:PORT,IP:PORT/DB".
  std::string describe() const;
};

std::string_view mode_name(redis_mode m);  // "redis", "redis-cluster", "redis-sentinel"

inline constexpr std::string_view shared_storage_values =
    "peers, redis://[:PASSWORD@]IP:PORT[/DB], redis-cluster://[:PASSWORD@]IP:PORT[,IP:PORT...], "
    "redis-sentinel://[:PASSWORD@]IP:PORT[,IP:PORT...]/MASTER[/DB]";

// nullopt for "peers"; a target for a well-formed URL of one of the three forms;
// otherwise throws std::invalid_argument with the reason.
std::optional<redis_target> parse_shared_storage(std::string_view text);

// The value with any password replaced by "***", for `sipproxyctl get` and logs.
std::string masked_shared_storage(std::string_view text);

}  // namespace sipproxy::config
