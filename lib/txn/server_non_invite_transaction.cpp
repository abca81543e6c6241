#include "txn/server_non_invite_transaction.hpp"

namespace sipproxy::txn {

void server_non_invite_transaction::respond(int status, std::string bytes) {
  if (state_ == state::completed || state_ == state::terminated) return;
  host_.transmit(peer_, bytes);
  last_ = std::move(bytes);
  if (status < 200) {
    state_ = state::proceeding;
    return;
  }
  state_ = state::completed;
  release_request();
  if (reliable()) {
    state_ = state::terminated;
    terminate();
  } else {
    arm(0, timer_j, host_.timing().timeout());
  }
}

void server_non_invite_transaction::on_retransmission() {
  if ((state_ == state::proceeding || state_ == state::completed) && !last_.empty())
    host_.transmit(peer_, last_);
}

void server_non_invite_transaction::on_timer(int kind) {
  if (kind == timer_j) {
    state_ = state::terminated;
    terminate();
  }
}

}  // namespace sipproxy::txn
