// Which Redis Cluster master serves each of the 16384 slots, as CLUSTER SLOTS reports
// it and MOVED redirections correct it. No I/O: the cluster router owns one.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/shared_storage.hpp"

struct redisReply;

namespace sipproxy::cluster {

inline constexpr unsigned cluster_slots = 16384;

struct slot_range {
  unsigned first, last;  // inclusive
  config::redis_address master;
};

// The ranges of a CLUSTER SLOTS reply; nullopt when it is not one (or covers nothing).
std::optional<std::vector<slot_range>> parse_cluster_slots(const redisReply* r);

class redis_slot_map {
 public:
  redis_slot_map() { owner_.fill(none); }
  void assign(const std::vector<slot_range>& ranges);
  void move(unsigned slot, const config::redis_address& to);  // a MOVED
  // nullptr when no master serves the slot.
  const config::redis_address* owner(unsigned slot) const;
  // Every master that serves at least one slot, in the order first seen.
  const std::vector<config::redis_address>& masters() const { return masters_; }
  std::size_t slots_of(const config::redis_address& m) const;
  bool empty() const { return masters_.empty(); }
  void clear();
  // "0-5460" style ranges of one master, for status.
  std::string ranges_of(const config::redis_address& m) const;

 private:
  static constexpr std::uint16_t none = 0xffff;
  std::uint16_t index_of(const config::redis_address& a);
  void drop_unused();
  std::array<std::uint16_t, cluster_slots> owner_;
  std::vector<config::redis_address> masters_;
};

}  // namespace sipproxy::cluster
