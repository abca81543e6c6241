// The unpredictable part of the branches this proxy puts in its Via: without it, anyone
// who saw one branch could forge the response to the next request. 64 bits of SipHash-2-4
// over a counter, keyed once per process from getrandom(2): as unpredictable as the key,
// and cheap enough for every branch.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "txn/siphash.hpp"

namespace sipproxy::txn {

class branch_nonce {
 public:
  branch_nonce() : key_(random_siphash_key()) {}  // a fresh key from the kernel's CSPRNG
  explicit branch_nonce(const siphash_key& key) : key_(key) {}

  std::uint64_t next() { return siphash24(key_, ++counter_); }
  // SipHash-2-4 of `text` under this process's key: a value a peer cannot compute, for
  // the To tag of the proxy's own stateless answers (txn::transaction_layer).
  std::uint64_t keyed(std::string_view text) const { return siphash24(key_, text); }

 private:
  siphash_key key_;
  std::uint64_t counter_ = 0;
};

}  // namespace sipproxy::txn
