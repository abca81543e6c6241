// The pool (the seed's shared registration-info and call storage): this instance's
// links to every other instance of sipproxy-applications, and the peer side of the
// management protocol that those instances' links talk to.
//
//   peer-hello    [FROM]          -> {"app", "digest", "records"}
//   peer-update   [FROM] data     -> {"applied"}          data: {"records": [...]}
//   peer-snapshot [FROM, CURSOR]  -> {"records": [...], "next": CURSOR | null}
//   peer-digest   [FROM]          -> {"digest", "records"}
//
// Every peer command needs the deployment's mgmt-token whenever one is configured.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/change_confirmer.hpp"
#include "cluster/hybrid_clock.hpp"
#include "cluster/peer_link.hpp"
#include "cluster/replicated_binding_store.hpp"
#include "cluster/replicated_session_table.hpp"
#include "cluster/shared_state.hpp"
#include "config/settings.hpp"
#include "config/test_timers.hpp"
#include "mgmt/protocol.hpp"

namespace sipproxy::cluster {

class pool final : public shared_state {
 public:
  // The peers are the other instances of sipproxy-applications that have a mgmt-port.
  pool(boost::asio::io_context& io, const config::settings& settings,
       replicated_binding_store& bindings, replicated_session_table& sessions,
       config::test_timers timers = {});
  ~pool() override;

  // Before serving (blocking): the whole state of every peer that answers, each step
  // within wait-response-timeout and all within `bound`. Returns what happened, for the log.
  std::string initial_sync(std::chrono::seconds bound);

  // shared_state: initial_sync when there is a peer; the links stop when draining begins.
  std::string sync_before_serving(std::chrono::seconds bound) override;
  void start() override;
  void drain() override { stop(); }
  void stop() override;
  // The peer commands (peer-*); nullopt for any other command.
  std::optional<mgmt::json> handle(const mgmt::request& r) override;
  std::optional<mgmt::json> peer_links() const override { return peers(); }
  std::optional<storage_health> storage() const override { return std::nullopt; }
  mgmt::json status() const override { return mgmt::json{{"backend", "peers"}}; }
  std::vector<std::string> alarms() const override;  // one line per disconnected peer

  mgmt::json peers() const;  // for sipproxyctl peers
  std::size_t peer_count() const { return links_.size(); }
  std::size_t peers_up() const;

  // What the links use.
  std::chrono::milliseconds send_interval() const;
  std::chrono::milliseconds response_deadline() const;
  const config::test_timers& timers() const { return timers_; }  // heartbeat, digest check
  std::uint16_t client_side_port() const;
  std::string request_line(const std::string& cmd, std::vector<std::string> args) const;
  std::string update_line(const std::string& comma_separated_records) const;
  mgmt::json page(std::optional<std::uint64_t> after, std::size_t n) const;
  std::size_t apply(const mgmt::json& records, const std::string& from);
  // The number of the latest local change (see change_confirmer).
  std::uint64_t last_change() const { return confirmer_.last(); }
  // A link's acknowledgements or state changed: waiting REGISTERs may be answered.
  void link_progress();
  // A REGISTER's binding changes: `done` once one live peer (registration-confirm-peers
  // = all: every live peer) acknowledged them, or the wait is over, or no peer is live.
  void confirm(registrar::confirmation_handler done);
  nlohmann::json confirmations() const { return confirmer_.status(); }

 private:
  void add_peers_details(mgmt::json& reply) const override {
    reply["confirmations"] = confirmations();
  }
  void on_local_change(const replica_record& r);
  peer_link* link_of(const std::string& name);

  boost::asio::io_context& io_;
  const config::settings& settings_;
  config::test_timers timers_;
  std::vector<peer_info> peers_;
  std::vector<std::unique_ptr<peer_link>> links_;
  change_confirmer confirmer_;
};

// The management endpoint of a proxy application: its mgmt-address (its host when that
// is a wildcard) and mgmt-port; nullopt when it has no mgmt-port or the host is no IP.
std::optional<boost::asio::ip::tcp::endpoint> mgmt_endpoint(const config::proxy_app& p);

}  // namespace sipproxy::cluster
