// What the transaction layer reports upwards (RFC 3261 §17: the "TU"). The proxy core
// implements it. Transactions are named by id; an id whose transaction is gone is ignored.
#pragma once

#include <cstdint>

#include "sip/message.hpp"
#include "transport/peer.hpp"

namespace sipproxy::txn {

using txn_id = std::uint64_t;

// Who hears of a client transaction: the TU, or another owner named when it was created
// (the OPTIONS prober).
class client_user {
 public:
  virtual ~client_user() = default;
  // A response for a client transaction: provisional, final, and for INVITE every
  // retransmitted 2xx (RFC 6026: they travel end to end).
  virtual void on_response(txn_id client, const sip::message_ptr& response) = 0;
  // The client transaction ended without a final response: 408 on timeout, 503 when the
  // transport could not deliver.
  virtual void on_client_failed(txn_id client, int status) = 0;
};

class transaction_user : public client_user {
 public:
  // A new request, with its server transaction.
  virtual void on_request(txn_id server, const sip::message_ptr& request,
                          const transport::peer& from) = 0;
  // A CANCEL (its own server transaction) for the INVITE server transaction
  // `invite_server`, 0 when none matches.
  virtual void on_cancel(txn_id cancel_server, const sip::message_ptr& cancel,
                         txn_id invite_server) = 0;
  // An ACK that matched no INVITE server transaction: the ACK for a 2xx (a request of
  // its own, RFC 3261 §13.2.2.4), to be routed like any in-dialog request.
  virtual void on_ack(const sip::message_ptr& ack, const transport::peer& from) = 0;
  // A response that matched no client transaction.
  virtual void on_stray_response(const sip::message_ptr& response) = 0;
  // The server transaction has terminated; its id is no longer valid.
  virtual void on_server_gone(txn_id server) = 0;
};

}  // namespace sipproxy::txn
