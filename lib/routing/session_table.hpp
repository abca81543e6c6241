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
