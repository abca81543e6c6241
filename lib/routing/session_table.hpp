// Session affinity (the seed's "shared call storage"): which SIP Server pair a session
// (Call-ID) went to, so related requests — a new dialog with the same Call-ID, an INVITE
// with Replaces — reach the same SIP Server. The interface is what the pool replicates.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sipproxy::routing {

// The table also keeps, for a DN, the pair that serves it (the pair that accepted its
// REGISTER or last sent it a new dialog; the seed's "SIP Proxy uses the DN name to
// determine the correct destination"), under this key. A Call-ID is a `word` of RFC 3261
// §25.1, in which ';' cannot appear; an endpoint's Call-ID that has it anyway is never
// used as a session key (is_dn_session_key), so no request can read or write a DN's entry.
inline constexpr std::string_view dn_key_prefix = "dn;";
inline std::string dn_session_key(std::string_view dn) {
  return std::string(dn_key_prefix) + std::string(dn);
}
inline bool is_dn_session_key(std::string_view key) {
  return key.substr(0, dn_key_prefix.size()) == dn_key_prefix;
}
// A Call-ID as a session key: empty (nothing is recorded or found) for one that would
// name a DN's entry.
inline std::string_view call_session_key(std::string_view call_id) {
  return is_dn_session_key(call_id) ? std::string_view{} : call_id;
}

class session_table {
 public:
  virtual ~session_table() = default;
  virtual void record(std::string_view call_id, std::size_t pair_index) = 0;
  virtual std::optional<std::size_t> lookup(std::string_view call_id) = 0;
  virtual std::size_t size() const = 0;
};

// In this process: entries live for `idle` after their last use (default 1 h), at most
// `capacity` of them (new sessions beyond it are not recorded and only lose affinity).
class memory_session_table : public session_table {
 public:
  using clock = std::chrono::steady_clock;
  explicit memory_session_table(std::chrono::seconds idle = std::chrono::hours(1),
                                std::size_t capacity = 200000)
      : idle_(idle), capacity_(capacity) {}

  void record(std::string_view call_id, std::size_t pair_index) override;
  std::optional<std::size_t> lookup(std::string_view call_id) override;
  std::size_t size() const override { return entries_.size(); }
  // Drops entries idle for longer than `idle` at `now`; returns how many.
  std::size_t expire(clock::time_point now);
  void set_clock(std::function<clock::time_point()> now) { now_ = std::move(now); }

 private:
  struct entry {
    std::size_t pair;
    clock::time_point last_used;
  };
  struct hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::chrono::seconds idle_;
  std::size_t capacity_;
  std::function<clock::time_point()> now_ = [] { return clock::now(); };
  std::unordered_map<std::string, entry, hash, std::equal_to<>> entries_;
};

}  // namespace sipproxy::routing
