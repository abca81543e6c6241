#include "sip/cseq.hpp"

#include <gtest/gtest.h>

namespace sipproxy::sip {
namespace {

TEST(cseq, number_and_method) {
  auto c = parse_cseq("4711 INVITE");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->number, 4711u);
  EXPECT_EQ(c->method, "INVITE");
}

TEST(cseq, extra_whitespace_and_tabs) {
  auto c = parse_cseq("  1 \t  ACK  ");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->number, 1u);
  EXPECT_EQ(c->method, "ACK");
  auto t = parse_cseq("9\tBYE");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->number, 9u);
  EXPECT_EQ(t->method, "BYE");
}

TEST(cseq, limits_of_the_number) {
  auto max = parse_cseq("2147483647 INVITE");
  ASSERT_TRUE(max);
  EXPECT_EQ(max->number, 2147483647u);
  EXPECT_FALSE(parse_cseq("2147483648 INVITE"));
  EXPECT_FALSE(parse_cseq("99999999999 INVITE"));
  auto zero = parse_cseq("0 REGISTER");
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->number, 0u);
}

TEST(cseq, malformed) {
  EXPECT_FALSE(parse_cseq("4711"));
  EXPECT_FALSE(parse_cseq("INVITE"));
  EXPECT_FALSE(parse_cseq("abc INVITE"));
  EXPECT_FALSE(parse_cseq("-1 INVITE"));
  EXPECT_FALSE(parse_cseq("1 IN VITE"));
  EXPECT_FALSE(parse_cseq("1 INV@TE"));
  EXPECT_FALSE(parse_cseq(""));
  EXPECT_FALSE(parse_cseq("1 "));
}

TEST(parse_uint, accepts_decimals_within_max) {
  EXPECT_EQ(parse_uint("70", 255), std::optional<std::uint32_t>(70));
  EXPECT_EQ(parse_uint(" 5 ", 255), std::optional<std::uint32_t>(5));
  EXPECT_EQ(parse_uint("0", 0), std::optional<std::uint32_t>(0));
  EXPECT_EQ(parse_uint("4294967295", 0xffffffffu), std::optional<std::uint32_t>(4294967295u));
  EXPECT_EQ(parse_uint("007", 255), std::optional<std::uint32_t>(7));
  // Found by the libosip2 differential (regressions/sip_message/content-length-leading-
  // zeros.sip): more than ten digits, most of them leading zeros, is still a small number.
  EXPECT_EQ(parse_uint("00000000000000000002", 255), std::optional<std::uint32_t>(2));
  EXPECT_EQ(parse_uint("000000000000", 255), std::optional<std::uint32_t>(0));
}

TEST(parse_uint, rejects_everything_else) {
  EXPECT_FALSE(parse_uint("256", 255));
  EXPECT_FALSE(parse_uint("", 255));
  EXPECT_FALSE(parse_uint("   ", 255));
  EXPECT_FALSE(parse_uint("+1", 255));
  EXPECT_FALSE(parse_uint("-1", 255));
  EXPECT_FALSE(parse_uint("0x10", 255));
  EXPECT_FALSE(parse_uint("1 2", 255));
  EXPECT_FALSE(parse_uint("4294967296", 0xffffffffu));
  EXPECT_FALSE(parse_uint("12345678901", 0xffffffffu));
  EXPECT_FALSE(parse_uint("0012345678901", 0xffffffffu));
}

}  // namespace
}  // namespace sipproxy::sip
