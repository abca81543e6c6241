// What every transaction has: its id and key, the message it was created for, where its
// messages go, and its host (the layer) for sending, timers and reporting. Each RFC 3261
// §17 state machine is a small class derived from it.
#pragma once

#include <string>

#include "sip/message.hpp"
#include "transport/peer.hpp"
#include "txn/timer_config.hpp"
#include "txn/timer_queue.hpp"
#include "txn/transaction_user.hpp"

namespace sipproxy::txn {

// The services a transaction uses; implemented by the transaction layer.
class transaction_host {
 public:
  virtual ~transaction_host() = default;
  virtual bool transmit(const transport::peer& to, std::string_view bytes) = 0;
  virtual timer_queue& timers() = 0;
  virtual const timer_config& timing() const = 0;
  // Reports a client transaction's failure to its owner.
  virtual void client_failed(txn_id id, int status) = 0;
  // Arms a timer that calls on_timer(kind) on transaction `id` if it still exists.
  virtual timer_queue::timer_id arm(txn_id id, int kind, timer_queue::duration d) = 0;
  virtual void terminated(txn_id id) = 0;  // the layer deletes the transaction later
  virtual void send_cancel(txn_id client) = 0;
};

class transaction {
 public:
  transaction(transaction_host& host, txn_id id, std::string key, sip::message_ptr request,
              transport::peer peer)
      : host_(host), id_(id), key_(std::move(key)), request_(std::move(request)), peer_(peer) {}
  virtual ~transaction() { cancel_timers(); }

  txn_id id() const { return id_; }
  const std::string& key() const { return key_; }
  const sip::message_ptr& request() const { return request_; }
  const transport::peer& peer() const { return peer_; }
  bool reliable() const { return transport::is_stream(peer_.proto); }
  bool done() const { return done_; }

  virtual void on_timer(int kind) = 0;

  // Ends the transaction without telling anyone (its owner gave up on it).
  void abandon() { terminate(); }

 protected:
  void arm(int slot, int kind, timer_queue::duration d) {
    host_.timers().cancel(timers_[slot]);
    timers_[slot] = host_.arm(id_, kind, d);
  }
  void disarm(int slot) {
    host_.timers().cancel(timers_[slot]);
    timers_[slot] = 0;
  }
  // Client side (RFC 3261 §17.1.1.2, §17.1.2.2): serializes and sends the request, then
  // arms the retransmission timer at T1 (unreliable transports only, slot 0) and the
  // 64*T1 timeout (slot 1). False when the transport refused it at once.
  bool send_first(std::string& wire, int retransmit_kind, int timeout_kind) {
    wire = request_->serialize();
    if (!host_.transmit(peer_, wire)) return false;
    if (!reliable()) arm(0, retransmit_kind, host_.timing().t1);
    arm(1, timeout_kind, host_.timing().timeout());
    return true;
  }
  // A transaction that only absorbs retransmissions from now on (Completed, Accepted)
  // needs its key and the bytes it resends, not the request: at 1000 calls per second
  // some 90,000 transactions wait out Timer J, K or L at once, and the request is most
  // of each one's memory.
  void release_request() { request_.reset(); }
  void cancel_timers() {
    for (auto& t : timers_) {
      host_.timers().cancel(t);
      t = 0;
    }
  }
  void terminate() {
    if (done_) return;
    done_ = true;
    cancel_timers();
    host_.terminated(id_);
  }

  transaction_host& host_;
  txn_id id_;
  std::string key_;
  sip::message_ptr request_;
  transport::peer peer_;  // server: where responses go; client: where the request goes
  timer_queue::timer_id timers_[3] = {0, 0, 0};
  bool done_ = false;
};

}  // namespace sipproxy::txn
