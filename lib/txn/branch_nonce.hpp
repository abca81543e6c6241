// The unpredictable part of the branches this proxy puts in its Via: without it, anyone
// who saw one branch could forge the response to the next request. 64 bits of SipHash-2-4
// over a counter, keyed once per process from getrandom(2): as unpredictable as the key,
// and cheap enough for every branch.
#pragma once

#include <array>
#include <cstdint>

namespace sipproxy::txn {

class branch_nonce {
 public:
  branch_nonce();  // a fresh key from the kernel's CSPRNG
  explicit branch_nonce(const std::array<std::uint64_t, 2>& key) : key_(key) {}

  std::uint64_t next() { return siphash(key_, ++counter_); }

  // SipHash-2-4 of one 64-bit word (exposed for the reference-vector test).
  static std::uint64_t siphash(const std::array<std::uint64_t, 2>& key, std::uint64_t word);

 private:
  std::array<std::uint64_t, 2> key_;
  std::uint64_t counter_ = 0;
};

}  // namespace sipproxy::txn
