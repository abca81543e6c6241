// Session affinity (the seed's "shared call storage"), shared by the pool: which SIP
// Server pair each Call-ID went to. An entry lives for `idle` (1 h) from when it was
// written; a look-up in the second half of that life writes it again (a new version,
// sent to the peers), so a session in use keeps its affinity on every instance, and all
// replicas drop an unused one at the same absolute time. Pairs travel by name.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/hybrid_clock.hpp"
#include "cluster/replica_record.hpp"
#include "routing/session_table.hpp"

namespace sipproxy::cluster {

class replicated_session_table : public routing::session_table {
 public:
  using sink = std::function<void(const replica_record&)>;
  replicated_session_table(std::string self, hybrid_clock& clock,
                           std::vector<std::string> pair_names,
                           std::chrono::seconds idle = std::chrono::hours(1),
                           std::size_t capacity = 200000);

  void set_sink(sink s) { sink_ = std::move(s); }

  void record(std::string_view call_id, std::size_t pair_index) override;
  std::optional<std::size_t> lookup(std::string_view call_id) override;
  std::size_t size() const override { return entries_.size(); }
  // Drops the entries whose life ended by now; returns how many.
  std::size_t expire();

  bool apply(const replica_record& r);
  void collect(std::uint64_t after, std::size_t n,
               std::vector<std::pair<std::uint64_t, replica_record>>& out) const;
  std::uint64_t digest() const { return digest_; }

 private:
  struct entry {
    std::size_t pair;
    version v;
    std::int64_t expires_ms;
  };
  struct hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  void write(std::string_view call_id, std::size_t pair_index);
  replica_record record_of(const std::string& call_id, const entry& e) const;

  std::string self_;
  hybrid_clock& clock_;
  std::vector<std::string> pair_names_;
  std::chrono::milliseconds idle_;
  std::size_t capacity_;
  sink sink_;
  std::unordered_map<std::string, entry, hash, std::equal_to<>> entries_;
  std::uint64_t digest_ = 0;
};

}  // namespace sipproxy::cluster
