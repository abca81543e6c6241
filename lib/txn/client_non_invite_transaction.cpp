#include "txn/client_non_invite_transaction.hpp"

#include <algorithm>

namespace sipproxy::txn {

void client_non_invite_transaction::start() {
  e_interval_ = host_.timing().t1;
  if (!send_first(wire_, timer_e, timer_f)) fail(503);
}

bool client_non_invite_transaction::on_response(const sip::message_ptr& response) {
  if (state_ == state::completed || state_ == state::terminated) return false;
  if (response->status() < 200) {
    state_ = state::proceeding;
    return true;
  }
  state_ = state::completed;
  disarm(0);
  disarm(1);
  release_request();
  std::string().swap(wire_);  // no more retransmissions
  if (reliable()) {
    state_ = state::terminated;
    terminate();  // the layer delivers the response first; the id goes after
    return true;
  }
  arm(2, timer_k, host_.timing().t4);
  return true;
}

void client_non_invite_transaction::fail(int status) {
  state_ = state::terminated;
  cancel_timers();
  host_.client_failed(id_, status);
  terminate();
}

void client_non_invite_transaction::on_transport_error() {
  if (state_ == state::trying || state_ == state::proceeding) fail(503);
}

void client_non_invite_transaction::on_timer(int kind) {
  const auto& t = host_.timing();
  switch (kind) {
    case timer_e:
      if (state_ != state::trying && state_ != state::proceeding) return;
      host_.transmit(peer_, wire_);
      e_interval_ = state_ == state::proceeding ? t.t2 : std::min(e_interval_ * 2, t.t2);
      arm(0, timer_e, e_interval_);
      return;
    case timer_f:
      if (state_ == state::trying || state_ == state::proceeding) fail(408);
      return;
    case timer_k:
      state_ = state::terminated;
      terminate();
      return;
    default:
      return;
  }
}

}  // namespace sipproxy::txn
