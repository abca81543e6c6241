#include "txn/client_invite_transaction.hpp"

#include "sip/request_builder.hpp"

namespace sipproxy::txn {

client_invite_transaction::client_invite_transaction(transaction_host& host, txn_id id,
                                                     std::string key, sip::message_ptr request,
                                                     transport::peer peer)
    : transaction(host, id, std::move(key), std::move(request), peer) {}

void client_invite_transaction::start() {
  a_interval_ = host_.timing().t1;
  if (!send_first(wire_, timer_a, timer_b)) fail(503);
}

bool client_invite_transaction::on_response(const sip::message_ptr& response) {
  int status = response->status();
  switch (state_) {
    case state::calling:
    case state::proceeding:
      if (status < 200) {
        if (state_ == state::calling) {
          disarm(0);
          disarm(1);
          state_ = state::proceeding;
        }
        arm(2, timer_c, host_.timing().timer_c);
        if (cancel_wanted_ && !cancel_sent_) {
          cancel_sent_ = true;
          host_.send_cancel(id_);
        }
        return true;
      }
      disarm(0);
      disarm(1);
      disarm(2);
      // From here on nothing is retransmitted or cancelled: the request and its wire copy
      // go, as in the other transactions that only absorb retransmissions.
      std::string().swap(wire_);
      if (status < 300) {
        state_ = state::accepted;
        release_request();
        arm(1, timer_m, host_.timing().timeout());
        return true;
      }
      state_ = state::completed;
      ack_ = sip::build_ack(*request_, *response);
      release_request();
      host_.transmit(peer_, ack_);
      if (reliable()) {
        state_ = state::terminated;
        terminate();
      } else {
        arm(1, timer_d, std::chrono::milliseconds(32000));
      }
      return true;
    case state::completed:
      if (status >= 300) host_.transmit(peer_, ack_);
      return false;
    case state::accepted:
      return status >= 200 && status < 300;  // 2xx retransmissions go end to end
    case state::terminated:
      return false;
  }
  return false;
}

void client_invite_transaction::cancel() {
  if (cancel_wanted_) return;
  cancel_wanted_ = true;
  if (state_ == state::proceeding) {
    cancel_sent_ = true;
    host_.send_cancel(id_);
  }
  // In calling: the CANCEL waits for a provisional (RFC 3261 §9.1); Timer B still bounds it.
}

void client_invite_transaction::fail(int status) {
  state_ = state::terminated;
  cancel_timers();
  host_.client_failed(id_, status);
  terminate();
}

void client_invite_transaction::on_transport_error() {
  if (state_ == state::calling || state_ == state::proceeding) fail(503);
}

void client_invite_transaction::on_timer(int kind) {
  switch (kind) {
    case timer_a:
      if (state_ != state::calling) return;
      host_.transmit(peer_, wire_);
      a_interval_ *= 2;
      arm(0, timer_a, a_interval_);
      return;
    case timer_b:
      if (state_ == state::calling) fail(408);
      return;
    case timer_c:
      // No final response for Timer C: cancel the branch; if it still does not end,
      // give up after another 64*T1.
      if (state_ != state::proceeding) return;
      if (!cancel_sent_) {
        cancel_wanted_ = cancel_sent_ = true;
        host_.send_cancel(id_);
        arm(2, timer_c, host_.timing().timeout());
      } else {
        fail(408);
      }
      return;
    case timer_d:
    case timer_m:
      state_ = state::terminated;
      terminate();
      return;
    default:
      return;
  }
}

}  // namespace sipproxy::txn
