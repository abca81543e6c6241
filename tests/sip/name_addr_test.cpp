#include "sip/name_addr.hpp"

#include <gtest/gtest.h>

namespace sipproxy::sip {
namespace {

TEST(name_addr, display_name_uri_and_params) {
  auto na = parse_name_addr("Alice <sip:alice@atlanta.example.com;transport=tcp>;tag=1928301774");
  ASSERT_TRUE(na);
  EXPECT_EQ(na->display, "Alice");
  EXPECT_EQ(na->uri, "sip:alice@atlanta.example.com;transport=tcp");
  EXPECT_EQ(na->params, ";tag=1928301774");
}

TEST(name_addr, quoted_display_with_angle_brackets_and_escaped_quotes) {
  auto na = parse_name_addr("\"Bob \\\"the <Builder>\\\"\" <sip:bob@biloxi.example.com>;tag=99");
  ASSERT_TRUE(na);
  EXPECT_EQ(na->display, "\"Bob \\\"the <Builder>\\\"\"");
  EXPECT_EQ(na->uri, "sip:bob@biloxi.example.com");
  EXPECT_EQ(na->params, ";tag=99");
}

TEST(name_addr, quoted_display_with_less_than) {
  auto na = parse_name_addr("\"a<b\" <sip:x@y>");
  ASSERT_TRUE(na);
  EXPECT_EQ(na->display, "\"a<b\"");
  EXPECT_EQ(na->uri, "sip:x@y");
  EXPECT_EQ(na->params, "");
}

TEST(name_addr, no_display_name) {
  auto na = parse_name_addr("  <sip:carol@chicago.example.com>  ");
  ASSERT_TRUE(na);
  EXPECT_EQ(na->display, "");
  EXPECT_EQ(na->uri, "sip:carol@chicago.example.com");
  EXPECT_EQ(na->params, "");
}

TEST(name_addr, addr_spec_params_belong_to_the_header) {
  auto na = parse_name_addr("sip:carol@chicago.example.com;tag=abc;x=1");
  ASSERT_TRUE(na);
  EXPECT_EQ(na->display, "");
  EXPECT_EQ(na->uri, "sip:carol@chicago.example.com");
  EXPECT_EQ(na->params, ";tag=abc;x=1");
}

TEST(name_addr, malformed_is_nullopt) {
  EXPECT_FALSE(parse_name_addr("Bob <sip:bob@example.com"));
  EXPECT_FALSE(parse_name_addr(""));
  EXPECT_FALSE(parse_name_addr("<>"));
  EXPECT_FALSE(parse_name_addr("   "));
}

TEST(name_addr, tag_of_from_and_to_values) {
  EXPECT_EQ(tag_of("Alice <sip:alice@a.example.com>;tag=1928301774"), "1928301774");
  EXPECT_EQ(tag_of("sip:alice@a.example.com;tag=xyz"), "xyz");
  EXPECT_EQ(tag_of("<sip:a@b> ; TAG = spaced "), "spaced");
  EXPECT_EQ(tag_of("<sip:a@b>;x=1;tag=second"), "second");
  EXPECT_EQ(tag_of("\"tag=no\" <sip:a@b>"), "");
  EXPECT_EQ(tag_of("<sip:bob@b.example.com>"), "");
  EXPECT_EQ(tag_of("broken <sip:x"), "");
}

TEST(name_addr, tag_inside_the_uri_is_not_the_header_tag) {
  EXPECT_EQ(tag_of("<sip:bob@b.example.com;tag=inuri>"), "");
  EXPECT_EQ(tag_of("<sip:bob@b.example.com;tag=inuri>;tag=outer"), "outer");
}

}  // namespace
}  // namespace sipproxy::sip
