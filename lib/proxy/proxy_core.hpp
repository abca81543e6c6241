// The stateful proxy (RFC 3261 §16): the transaction user that runs the request path,
// forwards, and relays responses and CANCELs. One per worker.
#pragma once

#include <unordered_map>

#include "log/throttle.hpp"
#include "proxy/dialog_table.hpp"
#include "proxy/proxy_env.hpp"
#include "proxy/request_context.hpp"
#include "proxy/response_context.hpp"
#include "registrar/registrar.hpp"
#include "txn/branch_nonce.hpp"
#include "txn/transaction_user.hpp"

namespace sipproxy::dns {
class resolver;
}
namespace sipproxy::health {
class health_prober;
}
namespace sipproxy::txn {
class transaction_layer;
}

namespace sipproxy::proxy {

struct proxy_counters {
  std::uint64_t requests = 0;
  std::uint64_t forwarded = 0;
  std::uint64_t answered_locally = 0;
  std::uint64_t responses_relayed = 0;
  std::uint64_t acks_relayed = 0;
  std::uint64_t retries = 0;  // new requests sent again to another SIP Server
  std::uint64_t registrations_stored = 0;
  // REGISTER 2xx relayed, by what the pool said of their binding changes
  // (registrar::confirmation: not_needed, confirmed, timed_out, unavailable).
  std::uint64_t registrations_by_confirmation[4] = {};
  // Time a REGISTER's 2xx waited for the confirmation (seconds; upper bounds, last +Inf).
  static constexpr double confirm_bounds[] = {0.0005, 0.001, 0.002, 0.005, 0.01,
                                              0.02,   0.05,  0.1,   0.3,   1};
  std::uint64_t confirm_buckets[std::size(confirm_bounds) + 1] = {};
  double confirm_sum = 0;
  void observe_confirm_wait(double seconds);
  std::uint64_t rejected_oversized = 0;  // a stored field over its cap (field_caps): 400
  // Requests naming this proxy in Route or Request-URI with Record-Route parameters whose
  // MAC did not verify (forged, or signed with a key no longer accepted): not honoured.
  std::uint64_t forged_routes = 0;
  // Request to final response, for forwarded requests (seconds; upper bounds, last +Inf).
  static constexpr double latency_bounds[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30};
  std::uint64_t latency_buckets[std::size(latency_bounds) + 1] = {};
  double latency_sum = 0;
  std::uint64_t latency_count = 0;
  void observe_latency(double seconds);
};

class proxy_core : public txn::transaction_user {
 public:
  // `prober` (may be null) hears what calls find out about SIP Servers.
  // `resolver` (may be null) resolves next hops given as host names (RFC 3263).
  proxy_core(txn::transaction_layer& layer, proxy_env env, health::health_prober* prober = nullptr,
             dns::resolver* resolver = nullptr);

  // Draining: new dialogs are refused with 503; requests within dialogs go on.
  void set_draining(bool on) { env_.state.draining = on; }
  bool draining() const { return env_.state.draining; }
  const proxy_counters& counters() const { return counters_; }
  std::size_t context_count() const { return contexts_.size(); }
  dialog_table& dialogs() { return dialogs_; }
  const dialog_table& dialogs() const { return dialogs_; }

  void on_request(txn::txn_id server, const sip::message_ptr& request,
                  const transport::peer& from) override;
  void on_cancel(txn::txn_id cancel_server, const sip::message_ptr& cancel,
                 txn::txn_id invite_server) override;
  void on_ack(const sip::message_ptr& ack, const transport::peer& from) override;
  void on_response(txn::txn_id client, const sip::message_ptr& response) override;
  void on_client_failed(txn::txn_id client, int status) override;
  void on_stray_response(const sip::message_ptr& response) override;
  void on_server_gone(txn::txn_id server) override;

 private:
  void answer(const request_context& ctx);
  // Counts what the request path found wrong with a request (oversized fields, forged
  // route parameters) and logs a forged route, at most once a second.
  void account(const request_context& ctx);
  void forward(request_context& ctx);
  // What the request path said of a request (an ACK when ctx.server is 0): answer it
  // (an ACK is dropped), wait for DNS, or forward it.
  void go_on(request_context& ctx, step_result r);
  // The event resolve_next_hop waits for: resolves ctx.resolve_uri (RFC 3263, cached by
  // TTL), then resumes the request path where it waited.
  void resolve(request_context ctx);
  void relay_ack(request_context& ctx);
  // A 2xx to an initial INVITE establishes a dialog, a 2xx to a BYE ends one.
  void note_dialog(const response_context& rc, const sip::message& response);
  // Record-Route, strict-route fix-up, our Via; then a client transaction. False when the
  // transaction could not be created.
  bool send_branch(response_context& rc, request_context& ctx);
  // A branch failed (503 or unreachable): tell the prober, then try the next DNS target
  // of the same name (RFC 3263 §4.3) or, for a SIP Server we chose, the next member or
  // pair. True when a new branch went out.
  bool try_next_server(response_context& rc, branch_state& failed);
  void finish_if_done(response_context& rc);
  void relay_response(response_context& rc, txn::txn_id client, const sip::message_ptr& response);
  // A REGISTER's 2xx: stores its bindings, then relays it once the pool has them (or
  // the wait is over: registration-confirm-timeout).
  void register_then_relay(response_context& rc, txn::txn_id client,
                           const sip::message_ptr& response);
  void relay_2xx(response_context& rc, txn::txn_id client, const sip::message_ptr& response);
  // Drops the context of a non-INVITE request whose final response went upstream.
  void release_if_finished(txn::txn_id server);
  void relay_final(response_context& rc, const branch_state& b);
  bool strip_own_via(sip::message& response) const;
  void forward_statelessly(const sip::message_ptr& response);
  std::string local_tag(txn::txn_id server) const;

  txn::transaction_layer& layer_;
  proxy_env env_;
  std::unordered_map<txn::txn_id, response_context> contexts_;  // by server transaction
  std::unordered_map<txn::txn_id, txn::txn_id> client_to_server_;
  health::health_prober* prober_;
  dns::resolver* resolver_;
  registrar::registrar registrar_;
  dialog_table dialogs_;
  txn::branch_nonce branch_nonce_;
  proxy_counters counters_;
  log::throttle forged_log_;
  // Confirmations arriving after this core is gone find it expired.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sipproxy::proxy
