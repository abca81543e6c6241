#include "txn/siphash.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sipproxy::txn {
namespace {

// The authors' vectors: key 00..0f, message 00..(n-1).
const siphash_key reference_key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};

std::string counting_bytes(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(i));
  return s;
}

TEST(siphash, matches_the_reference_vectors) {
  EXPECT_EQ(siphash24(reference_key, counting_bytes(0)), 0x726fdb47dd0e0e31ull);
  EXPECT_EQ(siphash24(reference_key, counting_bytes(8)), 0x93f5f5799a932462ull);
  EXPECT_EQ(siphash24(reference_key, counting_bytes(15)), 0xa129ca6149be45e5ull);
}

TEST(siphash, one_word_is_its_eight_little_endian_bytes) {
  EXPECT_EQ(siphash24(reference_key, 0x0706050403020100ull), 0x93f5f5799a932462ull);
  EXPECT_EQ(siphash24(reference_key, std::uint64_t{42}),
            siphash24(reference_key, std::string_view("\x2a\0\0\0\0\0\0\0", 8)));
}

TEST(siphash, random_keys_differ) {
  EXPECT_NE(random_siphash_key(), random_siphash_key());
}

}  // namespace
}  // namespace sipproxy::txn
