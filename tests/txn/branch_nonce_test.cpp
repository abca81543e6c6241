#include "txn/branch_nonce.hpp"

#include <gtest/gtest.h>

#include <set>

namespace sipproxy::txn {
namespace {

TEST(branch_nonce, siphash_matches_the_reference_vector) {
  // The authors' vectors.h: key 00..0f, the 8-byte message 00..07.
  std::array<std::uint64_t, 2> key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
  EXPECT_EQ(branch_nonce::siphash(key, 0x0706050403020100ull), 0x93f5f5799a932462ull);
}

TEST(branch_nonce, two_processes_do_not_share_a_sequence) {
  branch_nonce a;
  branch_nonce b;
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    seen.insert(a.next());
    seen.insert(b.next());
  }
  EXPECT_EQ(seen.size(), 2000u);  // no repeat within one, nor across two fresh keys
}

}  // namespace
}  // namespace sipproxy::txn
