// The transaction layer of one worker (RFC 3261 §17): parses what the transport
// delivers, answers what cannot be parsed, matches requests and responses to
// transactions by key, owns the transactions and their timers, and reports to the TU.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "log/throttle.hpp"
#include "transport/receiver.hpp"
#include "txn/branch_nonce.hpp"
#include "txn/transaction.hpp"

namespace sipproxy::transport {
class sender;
}

namespace sipproxy::txn {

class server_invite_transaction;
class server_non_invite_transaction;

// Request methods the metrics tell apart; the last is "other".
inline constexpr std::string_view counted_methods[] = {
    "INVITE", "ACK",  "BYE",    "CANCEL", "OPTIONS", "REGISTER", "SUBSCRIBE", "NOTIFY",
    "REFER",  "INFO", "UPDATE", "PRACK",  "MESSAGE", "PUBLISH",  "other"};
inline constexpr std::size_t counted_method_count = std::size(counted_methods);
std::size_t method_slot(std::string_view method);

struct layer_counters {
  std::uint64_t requests_in[counted_method_count] = {};  // by method (counted_methods)
  std::uint64_t responses_out[7] = {};                   // by class: [1] 1xx ... [6] 6xx
  std::uint64_t received = 0;
  std::uint64_t dropped_unparsable = 0;
  std::uint64_t rejected_malformed = 0;
  std::uint64_t retransmissions_absorbed = 0;
  std::uint64_t stray_responses = 0;
  std::uint64_t rejected_busy = 0;      // 503 for max_in_flight
  std::uint64_t foreign_responses = 0;  // from elsewhere than their request went: dropped
  std::uint64_t failed_messages = 0;    // handling threw: contained, the message dropped
  std::uint64_t own_acks_absorbed = 0;  // ACKs for our own stateless 400/505/503
};

class transaction_layer : public transport::receiver, private transaction_host {
 public:
  transaction_layer(transport::sender& sender, timer_queue& timers, timer_config timing = {});
  ~transaction_layer() override;

  void set_user(transaction_user& tu) { tu_ = &tu; }
  // max-transactions: server transactions awaiting their final response. At the limit a
  // new request gets 503 with Retry-After, statelessly (no transaction is kept, so a flood
  // costs no memory: a retransmission gets the 503 again, its ACK is absorbed), and the TU
  // never sees it; a CANCEL or a request within a dialog (To tag) may use as many again,
  // so calls can still be cancelled and ended. 0: no limit.
  void set_max_in_flight(std::size_t n) { max_in_flight_ = n; }
  // This proxy's own SIP port: a UDP response from it, on one of this host's addresses,
  // is the proxy's own answer to a request that looped back to it (482).
  void set_own_port(std::uint16_t port) { own_port_ = port; }

  // transport::receiver
  void on_message(std::string bytes, const transport::peer& from) override;
  void on_send_failed(const transport::peer& to) override;

  // Sends a response through server transaction `server` (no-op if it is gone).
  void respond(txn_id server, int status, std::string bytes);
  // Creates a client transaction for `request`, whose top Via (ours) carries the branch;
  // 0 when the request has no usable Via/CSeq. start() sends it; the TU hears of it
  // through on_response / on_client_failed (possibly from within start()).
  // `owner`: who hears of it, when not the TU.
  txn_id create_request(const sip::message_ptr& request, const transport::peer& to,
                        client_user* owner = nullptr);
  void start(txn_id client);
  // Ends client transaction `client` at once and silently (no more retransmissions).
  void abandon(txn_id client);
  // Cancels client INVITE transaction `client` (RFC 3261 §9.1).
  void cancel(txn_id client);
  // Sends outside any transaction (ACK for 2xx, stateless responses).
  bool send_stateless(const transport::peer& to, std::string_view bytes);
  // Where responses to `request` go (RFC 3261 §18.2.2, RFC 3581).
  static transport::peer response_target(const sip::message& request, const transport::peer& from);

  bool server_final_sent(txn_id server) const;
  std::size_t server_count() const { return servers_.size(); }
  std::size_t client_count() const { return clients_.size(); }
  // Server transactions still waiting for their final response (drain waits for these).
  std::size_t pending_server_count() const { return awaiting_final_.size(); }
  // Calls `idle` once, as soon as no server transaction awaits its final response (at
  // once when none does): drain waits for this. It comes from the timer queue, never
  // under a call into the layer, so the final response that emptied the layer has been
  // handed to the transport. A later call replaces an earlier one; an empty one cancels.
  void when_no_pending_server(std::function<void()> idle);
  const layer_counters& counters() const { return counters_; }

 private:
  // transaction_host
  bool transmit(const transport::peer& to, std::string_view bytes) override;
  timer_queue& timers() override { return timers_; }
  const timer_config& timing() const override { return timing_; }
  void client_failed(txn_id id, int status) override;
  client_user* owner_of(txn_id id);
  timer_queue::timer_id arm(txn_id id, int kind, timer_queue::duration d) override;
  void terminated(txn_id id) override;
  void send_cancel(txn_id client) override;

  // Marks the layer busy with one of its own events (a message, a timer, a send failure);
  // terminated transactions are swept when it ends.
  struct event_scope {
    explicit event_scope(bool& flag) : flag_(flag), outer_(flag) { flag_ = true; }
    ~event_scope() { flag_ = outer_; }
    bool& flag_;
    bool outer_;
  };
  void handle_message(std::string bytes, const transport::peer& from);
  void message_failed(const transport::peer& from, std::string_view what);
  void fail_clients_to(const transport::peer& to);
  void on_request(const sip::message_ptr& msg, const transport::peer& from);
  void on_response(const sip::message_ptr& msg, const transport::peer& from);
  void reject(const sip::message& msg, const transport::peer& from, int status,
              const std::string& reason);
  // Whether a new request is over max_in_flight (then answered statelessly).
  bool refuse_busy(const sip::message& msg, const transport::peer& from);
  // The To tag of a stateless answer of ours ("busy": the 503 of refuse_busy(), "reject":
  // the 400/505 of reject()): "sp" and 16 hex digits of a keyed hash of the request's
  // Call-ID, From tag and CSeq number, so its ACK is recognised and absorbed while no
  // endpoint can choose a tag that gets another dialog's ACK absorbed.
  std::string own_tag(const sip::message& msg, std::string_view kind) const;
  void sweep();
  // A server transaction left awaiting_final_: tell when_no_pending_server's caller.
  void check_no_pending();
  transaction_host& host() { return *this; }

  transport::sender& sender_;
  timer_queue& timers_;
  timer_config timing_;
  transaction_user* tu_ = nullptr;
  txn_id next_id_ = 1;

  std::unordered_map<txn_id, std::unique_ptr<transaction>> all_;
  std::unordered_map<std::string, txn_id> servers_;  // by server key
  std::unordered_map<std::string, txn_id> clients_;  // by branch|method
  std::unordered_set<txn_id> internal_;              // CANCELs we originated: responses absorbed
  std::unordered_map<txn_id, client_user*> owners_;  // client transactions not owned by the TU
  std::unordered_set<txn_id> awaiting_final_;        // server transactions before their final
  std::size_t max_in_flight_ = 0;
  std::uint16_t own_port_ = 0;
  branch_nonce tag_key_;  // a fresh process key, for own_tag()
  log::throttle busy_log_;
  log::throttle failure_log_;
  log::throttle foreign_log_;
  std::vector<txn_id> dead_;
  bool in_event_ = false;
  bool sweep_scheduled_ = false;
  std::function<void()> on_no_pending_;
  bool no_pending_scheduled_ = false;
  layer_counters counters_;
};

}  // namespace sipproxy::txn
