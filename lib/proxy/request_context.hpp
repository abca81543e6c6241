// Everything the request path knows about one request while its steps run.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "routing/server_table.hpp"
#include "sip/message.hpp"
#include "sip/uri.hpp"
#include "transport/peer.hpp"
#include "txn/transaction_user.hpp"

namespace sipproxy::proxy {

// One more contact of the address-of-record a request is forked to (RFC 3261 §16.6): the
// request for it (Request-URI rewritten, and a Route to the instance that holds its flow)
// and where it goes.
struct fork_target {
  sip::message_ptr out;
  transport::peer hop;
};

// At most this many branches for one request: the newest contact and 19 more.
inline constexpr std::size_t max_fork_branches = 20;

struct request_context {
  sip::message_ptr in;   // as received (responses are built from it)
  sip::message_ptr out;  // the copy being edited for forwarding
  transport::peer from;
  txn::txn_id server = 0;  // 0 for the stateless ACK path

  const routing::server_pair* source_pair = nullptr;  // it came from this SIP Server pair
  bool addressed_to_us = false;  // Request-URI is the proxy itself, no user part, no Route

  // Route preprocessing (RFC 3261 §16.4): what our own Record-Route said.
  bool had_our_route = false;
  std::optional<std::size_t> rr_server_index;
  bool rr_backup = false;          // the dialog was set up with the pair's backup
  bool rr_feature_server = false;  // our Record-Route of a dialog with a Feature Server
  // Which one (its host:port as configured); empty for a bare `fs` (any of them).
  std::string rr_feature_server_name;
  std::string rr_server_name;  // the pair's application name (`spn`), if recorded
  std::string rr_dn;           // the DN (`dn`), if recorded
  // A Route or Request-URI named us with parameters whose MAC did not verify (forged, or
  // signed with a key no longer accepted): they were ignored.
  bool forged_route = false;

  // A Feature Server (MWI) is on one end of this request: `feature_server` names it
  // (host:port, as feature-server-address lists it).
  bool from_feature_server = false;
  // Another instance of the pool sent it; with our `flow` Route on top: towards an
  // endpoint whose flow we hold (only then is it trusted like a SIP Server's request).
  bool from_pool_peer = false;
  bool rr_flow = false;
  bool to_feature_server = false;
  std::string feature_server;
  // REGISTER: the address-of-record it registers (canonical).
  std::string aor;

  // The decision.
  std::optional<transport::peer> next_hop;
  // A next hop named by a host name not yet resolved: the URI to resolve (RFC 3263)
  // before forwarding (resolve_next_hop waits for it).
  std::string resolve_uri;
  // What DNS gave for resolve_uri, in the order to try them (empty: it did not resolve);
  // the core sets it before it resumes the path at resolve_next_hop.
  std::optional<std::vector<transport::peer>> resolved;
  // The step of the request path that answered `waiting`: where the path resumes.
  std::size_t waiting_at = 0;
  // The other targets DNS gave for next_hop's name, in the order to try them when it
  // answers 503 or cannot be reached (RFC 3263 §4.3).
  std::vector<transport::peer> alternatives;
  // The other contacts of the address-of-record, sent in parallel with next_hop.
  std::vector<fork_target> forks;
  bool trying_sent = false;  // 100 Trying already went upstream
  const routing::server_pair* target_pair = nullptr;

  // The target was chosen by us for a new request from an endpoint: another member or pair
  // may be tried if it answers 503 or cannot be reached.
  bool retargetable = false;

  // Set by a step that answers instead of forwarding.
  int status = 0;
  std::string reason;
  bool oversized = false;     // refused by check_field_lengths (counted)
  std::string extra_headers;  // whole header lines, CRLF-terminated

  // A SIP Server, a Feature Server, or an instance of the pool towards an endpoint whose
  // flow it holds sent it: its Route and Request-URI are followed, not checked.
  bool trusted() const {
    return source_pair != nullptr || from_feature_server || (from_pool_peer && rr_flow);
  }

  void respond(int code, std::string why = {}, std::string extra = {}) {
    status = code;
    reason = std::move(why);
    extra_headers = std::move(extra);
  }
};

// What a step says (the shape of reSIProcate repro's processors).
enum class step_result {
  next,     // go on with the next step (a routing rule: this rule does not apply)
  routed,   // a routing rule chose the target: the other rules are skipped
  done,     // a response was set: the path ends
  waiting,  // waiting for an event (DNS): the core resumes the path at this step
};

}  // namespace sipproxy::proxy
