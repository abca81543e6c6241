// Non-INVITE client transaction (RFC 3261 §17.1.2).
#pragma once

#include "txn/transaction.hpp"

namespace sipproxy::txn {

class client_non_invite_transaction : public transaction {
 public:
  enum class state { trying, proceeding, completed, terminated };
  using transaction::transaction;

  state current() const { return state_; }
  void start();
  bool on_response(const sip::message_ptr& response);
  void on_timer(int kind) override;
  void on_transport_error();

 private:
  enum timer_kind { timer_e, timer_f, timer_k };
  void fail(int status);
  state state_ = state::trying;
  std::string wire_;
  std::chrono::milliseconds e_interval_{0};
};

}  // namespace sipproxy::txn
