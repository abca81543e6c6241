// The registrar's bindings, shared by the pool. Every local change is stamped with a
// version and handed to the sink (the pool sends it to the peers); records from the
// peers are applied when they are newer than what is held. A removal leaves a tombstone
// until the removed binding's expiry plus tombstone_grace, so that a late copy of the
// binding cannot bring it back. Bindings expire by absolute time, on every replica alike.
//
// Memory: the bindings themselves live in a memory_binding_store; the version of each is
// 16 bytes in a side table keyed by a 64-bit record key, in the same arena as the
// bindings (see registrar/binding_arena.hpp). Tombstones keep their strings.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory_resource>
#include <unordered_map>
#include <vector>

#include "cluster/hybrid_clock.hpp"
#include "cluster/replica_record.hpp"
#include "registrar/binding_store.hpp"

namespace sipproxy::cluster {

inline constexpr std::chrono::seconds tombstone_grace{300};

class replicated_binding_store : public registrar::binding_store {
 public:
  using sink = std::function<void(const replica_record&)>;
  replicated_binding_store(std::string self, hybrid_clock& clock);

  void set_sink(sink s) { sink_ = std::move(s); }
  // Who confirms the changes handed to the sink (the pool, or the Redis storage); unset:
  // nothing to confirm (not_needed).
  using confirmer = std::function<void(registrar::confirmation_handler)>;
  void set_confirmer(confirmer c) { confirmer_ = std::move(c); }
  void confirm_changes(registrar::confirmation_handler done) override {
    if (confirmer_) {
      confirmer_(std::move(done));
    } else {
      done(registrar::confirmation::not_needed);
    }
  }

  void put(const registrar::binding& b) override;
  void remove(std::string_view aor, std::string_view contact) override;
  void remove_all(std::string_view aor) override;
  std::vector<registrar::binding> lookup(std::string_view aor) const override {
    return local_.lookup(aor);
  }
  std::optional<registrar::binding> by_contact(std::string_view contact_uri) const override {
    return local_.by_contact(contact_uri);
  }
  std::size_t size() const override { return local_.size(); }
  std::size_t expire(registrar::wall_clock::time_point now) override;

  // A record from a peer: applied when newer than what is held (true then).
  bool apply(const replica_record& r);
  // Every record (bindings and tombstones) whose key is above `after`, the `n` lowest.
  void collect(std::uint64_t after, std::size_t n,
               std::vector<std::pair<std::uint64_t, replica_record>>& out) const;
  std::uint64_t digest() const { return digest_; }
  std::size_t tombstones() const { return tombstones_.size(); }

 private:
  struct live_version {
    std::uint64_t stamp;
    std::uint32_t origin;  // index into origins_
  };
  struct tombstone {
    version v;
    std::int64_t expires_ms;
    std::string aor;
    std::string contact;
  };
  std::uint32_t origin_index(const std::string& name);
  std::optional<version> held(std::uint64_t key) const;
  void forget(std::uint64_t key);  // drops the version (live) or tombstone of key
  void store_live(const registrar::binding& b, std::uint64_t key, const version& v);
  void store_tombstone(std::uint64_t key, tombstone t);
  replica_record record_of(const registrar::binding& b, const version& v) const;
  std::int64_t ms(registrar::wall_clock::time_point t) const;

  std::string self_;
  hybrid_clock& clock_;
  sink sink_;
  confirmer confirmer_;
  registrar::memory_binding_store local_;
  std::pmr::unordered_map<std::uint64_t, live_version> versions_;  // in local_'s arena
  std::unordered_map<std::uint64_t, tombstone> tombstones_;
  std::vector<std::string> origins_;
  std::uint64_t digest_ = 0;
};

// The binding a live record describes, and back.
registrar::binding binding_of(const replica_record& r);

}  // namespace sipproxy::cluster
