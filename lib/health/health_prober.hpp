// Active out-of-service detection (the seed's "Active out-of-service detection" and
// "SIP Server inactive state support"): every member of every SIP Server pair, and every
// Feature Server, is pinged with OPTIONS; what the answers say (member_health) sets the
// member's state in the server table (or the Feature Server list), which decides where
// new dialogs (new MWI subscriptions) go. Calls report what they see too (a
// 503 or a transport failure to a new INVITE).
#pragma once

#include <string>
#include <vector>

#include "health/member_health.hpp"
#include "routing/feature_servers.hpp"
#include "routing/server_table.hpp"
#include "txn/branch_nonce.hpp"
#include "txn/timer_queue.hpp"
#include "txn/transaction_user.hpp"

namespace sipproxy::config {
struct settings;
}
namespace sipproxy::txn {
class transaction_layer;
}

namespace sipproxy::health {

struct prober_identity {
  std::string via_host;
  std::uint16_t port = 5060;
};

struct member_status {
  std::string pair;
  std::string role;  // "primary" / "backup"
  std::string address;
  routing::member_state state;
  double last_rtt_ms = -1;  // of the last answered probe; -1 when none
  std::uint64_t probes_sent = 0;
  std::uint64_t probes_answered = 0;
};

class health_prober : public txn::client_user {
 public:
  health_prober(txn::transaction_layer& layer, txn::timer_queue& timers,
                routing::server_table& servers, const config::settings& settings,
                prober_identity self, probe_policy policy = {});
  ~health_prober() override;

  // Starts probing (no-op while oos-check is 0).
  void start();
  void stop();
  // oos-check / oos-force changed: probe on the new schedule from now.
  void reconfigure();
  // Probes these Feature Servers too (their list was replaced: feature-server-address
  // changed): the previous ones' probes stop, each server in the list starts active.
  void watch_feature_servers(routing::feature_servers& servers);
  // A call's verdict on a member (503 or failure to a new INVITE).
  void report(const transport::peer& member, verdict v, std::chrono::seconds retry_after);

  // The SIP Server members (pair, role "primary" / "backup").
  std::vector<member_status> status() const;
  // The Feature Servers, in feature-server-address order (role "feature-server").
  std::vector<member_status> feature_server_status() const;

  void on_response(txn::txn_id client, const sip::message_ptr& response) override;
  void on_client_failed(txn::txn_id client, int status) override;

 private:
  struct target {
    std::size_t pair = 0;  // for a Feature Server: its position in the list
    bool backup = false;
    member_health health;
    bool feature = false;  // a Feature Server, not a SIP Server member
    txn::txn_id pending = 0;
    txn::timer_queue::timer_id timer = 0;
    txn::timer_queue::time_point sent_at{};
    double last_rtt_ms = -1;
    std::uint64_t sent = 0;
    std::uint64_t answered = 0;
  };

  routing::member& member_of(const target& t);
  const routing::member& member_of(const target& t) const;
  std::string describe(const target& t) const;
  void stop_target(target& t);
  void schedule(std::size_t i, std::chrono::milliseconds after);
  void send_probe(std::size_t i);
  void on_deadline(std::size_t i);
  void apply(std::size_t i, verdict v, std::chrono::seconds retry_after, const char* why);
  // The target whose probe `client` was, with that probe settled (no longer pending, its
  // deadline cancelled); nullptr when none.
  target* settle(txn::txn_id client, std::size_t* index);

  txn::transaction_layer& layer_;
  txn::timer_queue& timers_;
  routing::server_table& servers_;
  routing::feature_servers* features_ = nullptr;
  const config::settings& settings_;
  prober_identity self_;
  probe_policy policy_;
  std::vector<target> targets_;
  std::vector<bool> pair_available_;
  std::uint32_t cseq_ = 1;
  txn::branch_nonce nonce_;  // the unpredictable part of each probe's branch
  bool running_ = false;
};

// The seconds of a Retry-After value ("120", "120 (maintenance);duration=60"), 0 if none.
std::chrono::seconds parse_retry_after(std::string_view value);

}  // namespace sipproxy::health
