// The shared state of an instance that shares nothing: the replicated stores are its own,
// nothing is sent or received, nothing is waited for (a REGISTER's changes are not_needed),
// and it reads as a pool of one (no links, backend "peers"). For an instance built without
// a pool: the unit tests of what reads the shared state (management, metrics).
#pragma once

#include "cluster/shared_state.hpp"

namespace sipproxy::cluster {

class local_state final : public shared_state {
 public:
  using shared_state::shared_state;

  std::string sync_before_serving(std::chrono::seconds) override { return {}; }
  void start() override {}
  void drain() override {}
  void stop() override {}

  std::optional<mgmt::json> handle(const mgmt::request&) override { return std::nullopt; }
  std::optional<mgmt::json> peer_links() const override { return mgmt::json::array(); }
  std::optional<storage_health> storage() const override { return std::nullopt; }
  mgmt::json status() const override { return mgmt::json{{"backend", "peers"}}; }
  std::vector<std::string> alarms() const override { return {}; }

 private:
  void add_peers_details(mgmt::json&) const override {}
};

}  // namespace sipproxy::cluster
