// The state of one forwarded request (RFC 3261 §16.7): its branches, their final
// responses, and the choice of the best one.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "sip/message.hpp"
#include "transport/peer.hpp"
#include "txn/transaction_user.hpp"

namespace sipproxy::proxy {

struct branch_state {
  txn::txn_id client = 0;
  int final_status = 0;       // 0 while pending
  sip::message_ptr response;  // the final response received (null when synthesized)
  transport::peer target;     // where this branch went
  bool provisional = false;   // a 101-199 came back
};

// What it takes to send the request again elsewhere when a branch answers 503 or cannot
// be reached: to the next target DNS gave for the next hop's name (RFC 3263 §4.3), and,
// when the proxy chose the target itself (a new request from an endpoint), to another
// SIP Server member or pair.
struct retry_state {
  sip::message_ptr base;  // the request after Max-Forwards, before Record-Route and Via
  transport::peer from;   // where it came from (for Record-Route's transport)
  std::vector<transport::peer> tried;
  bool choose_servers = false;                // another member or pair may be chosen
  std::vector<transport::peer> alternatives;  // DNS targets still to try, first first
  // What Record-Route said of the request's origin (by index: a reload may replace pairs).
  std::optional<std::size_t> source_pair;
  bool from_feature_server = false;
  bool to_feature_server = false;
  std::string feature_server;  // which one (host:port as configured)
};

// A REGISTER on its way to the SIP Server: what to store when it answers 2xx.
struct registration_state {
  std::string aor;
  transport::peer flow;      // where the endpoint is reached
  sip::message_ptr request;  // as forwarded (Contacts, Expires after the cap)
};

struct response_context {
  txn::txn_id server = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  sip::message_ptr request;  // as received: synthesized responses are built from it
  bool invite = false;       // request is an INVITE (kept after request is released)
  std::vector<branch_state> branches;
  bool final_forwarded = false;
  // A REGISTER's 2xx held until the pool confirms its binding changes.
  bool awaiting_confirmation = false;
  bool cancelled = false;
  std::optional<retry_state> retry;
  std::optional<registration_state> registration;
  std::optional<std::size_t> pair;  // the SIP Server pair on the other end, if any

  branch_state* branch_of(txn::txn_id client);
  // Once an INVITE's final response has gone upstream the context only routes further 2xx
  // (forking, retransmissions) and answers a late CANCEL, for the 32 s of Timer L: the
  // messages it held for choosing and retrying branches are released. At 1000 calls per
  // second some 32,000 such contexts wait at once.
  void release_messages();
  bool all_final() const;
  // §16.7 step 6: a 6xx if any, else the lowest class; nullptr while pending.
  const branch_state* best() const;
};

}  // namespace sipproxy::proxy
