#include "txn/branch_nonce.hpp"

#include <gtest/gtest.h>

#include <set>

namespace sipproxy::txn {
namespace {

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
