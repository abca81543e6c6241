// The shared-storage option: where the pool's registrations and session affinity live.
// "peers" (the default) replicates them between the instances over the management port;
// redis://[:PASSWORD@]IP:PORT[/DB] keeps them in one Redis server that every instance
// reads and writes. The address is an IP, not a name: reconnecting must never block the
// loop on a DNS look-up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sipproxy::config {

struct redis_target {
  std::string host;  // an IPv4 or IPv6 address, without brackets
  std::uint16_t port = 6379;
  int db = 0;
  std::string password;  // empty: no AUTH
  // "IP:PORT/DB", without the password (for logs and status).
  std::string describe() const;
};

inline constexpr std::string_view shared_storage_values = "peers, redis://[:PASSWORD@]IP:PORT[/DB]";

// nullopt for "peers"; a target for a well-formed redis:// URL; otherwise throws
// std::invalid_argument with the reason.
std::optional<redis_target> parse_shared_storage(std::string_view text);

// The value with any password replaced by "***", for `sipproxyctl get` and logs.
std::string masked_shared_storage(std::string_view text);

}  // namespace sipproxy::config
