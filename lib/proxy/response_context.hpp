// The state of one forwarded request (RFC 3261 §16.7): its branches, their final
// responses, and the choice of the best one.
#pragma once

#include <vector>

#include "sip/message.hpp"
#include "txn/transaction_user.hpp"

namespace sipproxy::proxy {

struct branch_state {
  txn::txn_id client = 0;
  int final_status = 0;       // 0 while pending
  sip::message_ptr response;  // the final response received (null when synthesized)
};

struct response_context {
  txn::txn_id server = 0;
  sip::message_ptr request;  // as received: synthesized responses are built from it
  std::vector<branch_state> branches;
  bool final_forwarded = false;
  bool cancelled = false;

  branch_state* branch_of(txn::txn_id client);
  bool all_final() const;
  // §16.7 step 6: a 6xx if any, else the lowest class; nullptr while pending.
  const branch_state* best() const;
};

}  // namespace sipproxy::proxy
