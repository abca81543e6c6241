// The pool's shared state as the rest of the instance sees it, whichever way it is shared:
// over peer links (cluster::pool), through Redis (cluster::redis_storage), or not at all
// (cluster::local_state). The daemon starts, drains and stops it; management reads its
// records, links, storage and alarms; nobody asks which one it is.
//
// What is shared are the two replicated stores, the instance's cache: bindings (with their
// tombstones) and session affinity. Every look-up is served from them, in memory; each
// implementation takes their local changes (the stores' sink) and brings in the others'.
// A REGISTER waits for its changes to be shared through the binding store's confirmer,
// which each implementation sets as it needs.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/replicated_binding_store.hpp"
#include "cluster/replicated_session_table.hpp"
#include "mgmt/protocol.hpp"

namespace sipproxy::cluster {

// Redis's side of the shared state, for /metrics.
struct storage_health {
  bool up = false;         // connected and synchronised
  std::size_t queued = 0;  // changes waiting for Redis to be back
  std::uint64_t queue_overflows = 0;
};

class shared_state {
 public:
  shared_state(replicated_binding_store& bindings, replicated_session_table& sessions)
      : bindings_(bindings), sessions_(sessions) {}
  virtual ~shared_state() = default;
  shared_state(const shared_state&) = delete;
  shared_state& operator=(const shared_state&) = delete;

  // Before serving (blocking, within `bound`): take the pool's state. The line to log;
  // empty when there is nowhere to take it from.
  virtual std::string sync_before_serving(std::chrono::seconds bound) = 0;
  virtual void start() = 0;
  // Draining began: stop what the other instances take over (the peer links); keep what
  // the last requests still need (the Redis connection writes the last REGISTERs).
  virtual void drain() = 0;
  // The instance stops.
  virtual void stop() = 0;

  // The management commands the state answers itself (the peers' peer-* commands);
  // nullopt for any other command.
  virtual std::optional<mgmt::json> handle(const mgmt::request& r) = 0;
  // The links to the other instances, as `sipproxyctl peers` lists them ([] for a pool
  // of one); nullopt where the state is not shared over peer links.
  virtual std::optional<mgmt::json> peer_links() const = 0;
  // Redis's health; nullopt where there is no shared storage.
  virtual std::optional<storage_health> storage() const = 0;
  // The status reply's "shared_storage": {"backend": "peers"}, or Redis's connection.
  virtual mgmt::json status() const = 0;
  // The alarms now raised, one line each.
  virtual std::vector<std::string> alarms() const = 0;

  // The `sipproxyctl peers` reply (without "ok"): the links, the records and digest held
  // here, and what the implementation adds (the confirmations, the storage).
  mgmt::json peers_reply() const;
  // Replicated records held here: bindings, tombstones and session entries.
  std::size_t records() const;
  // Of every record held here: equal on two instances that hold the same state.
  std::uint64_t digest() const { return bindings_.digest() + sessions_.digest(); }
  std::string digest_text() const;

 protected:
  // What peers_reply() adds for this implementation.
  virtual void add_peers_details(mgmt::json& reply) const = 0;

  replicated_binding_store& bindings_;
  replicated_session_table& sessions_;
};

}  // namespace sipproxy::cluster
