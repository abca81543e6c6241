// INVITE server transaction (RFC 3261 §17.2.1, with RFC 6026's Accepted state).
#pragma once

#include "txn/transaction.hpp"

namespace sipproxy::txn {

class server_invite_transaction : public transaction {
 public:
  enum class state { proceeding, completed, confirmed, accepted, terminated };
  using transaction::transaction;

  state current() const { return state_; }
  bool final_sent() const { return state_ != state::proceeding; }
  void respond(int status, std::string bytes);
  void on_retransmission();
  // An ACK matched this transaction; false when it is not for a non-2xx final (the TU
  // then routes it as the end-to-end ACK).
  bool on_ack();
  void on_timer(int kind) override;

 private:
  enum timer_kind { timer_g, timer_h, timer_i, timer_l };
  state state_ = state::proceeding;
  std::string last_;
  std::chrono::milliseconds g_interval_{0};
};

}  // namespace sipproxy::txn
