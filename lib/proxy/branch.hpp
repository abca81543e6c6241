// Via branch values of this proxy (RFC 3261 §16.6 step 8, §16.11). A stateful branch is
// "z9hG4bKsp" + the request's loop hash (16 hex digits) + "." + 64 unpredictable bits
// (branch_nonce, 16 hex digits): a request that comes back unchanged is recognised (§16.3
// step 4), and no one who has not seen the request can forge its response.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sip/message.hpp"

namespace sipproxy::proxy {

inline constexpr std::string_view branch_prefix = "z9hG4bKsp";

// Hash over what identifies a request for loop detection, as it was received: the
// Request-URI, From tag, To tag, Call-ID, CSeq number, Route, Proxy-Require and
// Proxy-Authorization values.
std::string loop_hash(const sip::message& in);

std::string stateful_branch(std::string_view hash, std::uint64_t nonce);

// The loop hash part of one of our branches, or empty when it is not one.
std::string_view branch_hash(std::string_view branch);

// A stateless branch (for the 2xx ACK): derived from the incoming top Via branch, so a
// retransmission gets the same one.
std::string stateless_branch(std::string_view incoming_top_via);

}  // namespace sipproxy::proxy
