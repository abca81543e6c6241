// Non-INVITE server transaction (RFC 3261 §17.2.2).
#pragma once

#include "txn/transaction.hpp"

namespace sipproxy::txn {

class server_non_invite_transaction : public transaction {
 public:
  enum class state { trying, proceeding, completed, terminated };
  using transaction::transaction;

  state current() const { return state_; }
  bool final_sent() const { return state_ == state::completed || state_ == state::terminated; }
  void respond(int status, std::string bytes);
  void on_retransmission();
  void on_timer(int kind) override;

 private:
  enum timer_kind { timer_j };
  state state_ = state::trying;
  std::string last_;
};

}  // namespace sipproxy::txn
