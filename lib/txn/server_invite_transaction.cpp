#include "txn/server_invite_transaction.hpp"

#include <algorithm>

namespace sipproxy::txn {

void server_invite_transaction::respond(int status, std::string bytes) {
  if (state_ == state::accepted && status >= 200 && status < 300) {
    host_.transmit(peer_, bytes);  // a retransmitted 2xx passes through (RFC 6026)
    return;
  }
  if (state_ != state::proceeding) return;
  host_.transmit(peer_, bytes);
  last_ = std::move(bytes);
  if (status < 200) return;
  const auto& t = host_.timing();
  release_request();
  if (status < 300) {
    state_ = state::accepted;
    std::string().swap(last_);  // a retransmitted INVITE gets nothing in Accepted
    arm(0, timer_l, t.timeout());
    return;
  }
  state_ = state::completed;
  if (!reliable()) {
    g_interval_ = t.t1;
    arm(0, timer_g, g_interval_);
  }
  arm(1, timer_h, t.timeout());
}

void server_invite_transaction::on_retransmission() {
  if ((state_ == state::proceeding || state_ == state::completed) && !last_.empty())
    host_.transmit(peer_, last_);
}

bool server_invite_transaction::on_ack() {
  if (state_ == state::confirmed) return true;  // retransmitted ACK: absorbed
  if (state_ != state::completed) return false;
  state_ = state::confirmed;
  disarm(0);
  disarm(1);
  if (reliable()) {
    state_ = state::terminated;
    terminate();
  } else {
    arm(2, timer_i, host_.timing().t4);
  }
  return true;
}

void server_invite_transaction::on_timer(int kind) {
  switch (kind) {
    case timer_g:
      if (state_ != state::completed) return;
      host_.transmit(peer_, last_);
      g_interval_ = std::min(g_interval_ * 2, host_.timing().t2);
      arm(0, timer_g, g_interval_);
      return;
    case timer_h:  // no ACK came
    case timer_i:
    case timer_l:
      state_ = state::terminated;
      terminate();
      return;
    default:
      return;
  }
}

}  // namespace sipproxy::txn
