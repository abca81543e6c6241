// INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 Accepted state), with the
// proxy's Timer C (§16.6 step 11) and a CANCEL held back until a provisional arrives
// (§9.1).
#pragma once

#include "txn/transaction.hpp"

namespace sipproxy::txn {

class client_invite_transaction : public transaction {
 public:
  enum class state { calling, proceeding, completed, accepted, terminated };

  client_invite_transaction(transaction_host& host, txn_id id, std::string key,
                            sip::message_ptr request, transport::peer peer);

  state current() const { return state_; }
  void start();
  // Returns whether the TU should see this response.
  bool on_response(const sip::message_ptr& response);
  // The TU wants this branch cancelled.
  void cancel();
  void on_timer(int kind) override;
  void on_transport_error();

 private:
  enum timer_kind { timer_a, timer_b, timer_c, timer_d, timer_m };
  void fail(int status);
  state state_ = state::calling;
  std::string wire_;  // the request as sent, for retransmissions
  std::string ack_;   // the ACK for a non-2xx final, resent on its retransmission
  std::chrono::milliseconds a_interval_{0};
  bool cancel_wanted_ = false;
  bool cancel_sent_ = false;
};

}  // namespace sipproxy::txn
