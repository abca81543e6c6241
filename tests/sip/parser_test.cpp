#include "sip/parser.hpp"

#include <gtest/gtest.h>

namespace sipproxy::sip {
namespace {

const char* invite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKx\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@example.com>\r\n"
    "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

TEST(parser, parses_request_and_splits_via_list) {
  auto r = parse(invite);
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_TRUE(r.msg->is_request());
  EXPECT_EQ(r.msg->method(), "INVITE");
  EXPECT_EQ(r.msg->request_uri(), "sip:bob@example.com");
  EXPECT_EQ(r.msg->count(header_id::via), 2u);
  EXPECT_EQ(r.msg->body(), "v=0\n");
}

TEST(parser, missing_call_id_is_400_with_reason) {
  std::string m = invite;
  m.erase(m.find("Call-ID"), std::string("Call-ID: a84b4c76e66710\r\n").size());
  auto r = parse(m);
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Missing Call-ID header");
}

TEST(parser, content_length_beyond_datagram_is_400) {
  std::string m = invite;
  m.replace(m.find("Content-Length: 4"), 17, "Content-Length: 400");
  auto r = parse(m);
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
}

TEST(parser, garbage_is_not_a_message) {
  EXPECT_FALSE(parse("\x01\x02garbage without lines").msg);
  EXPECT_FALSE(parse("").msg);
}

TEST(parser, folded_header_and_compact_forms) {
  auto r = parse(
      "OPTIONS sip:x@y SIP/2.0\r\n"
      "v: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
      "f: <sip:a@b>;tag=1\r\n"
      "t: <sip:x@y>\r\n"
      "i: abc\r\n"
      "CSeq: 1\r\n OPTIONS\r\n"
      "l: 0\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->value(header_id::cseq), "1 OPTIONS");
  EXPECT_EQ(r.msg->value(header_id::call_id), "abc");
}

TEST(parser, wrong_version_is_505) {
  auto r = parse(
      "OPTIONS sip:x@y SIP/7.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
      "To: <sip:x@y>\r\nCall-ID: a\r\nCSeq: 1 OPTIONS\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 505);
}

TEST(parser, serialize_round_trips_and_fixes_content_length) {
  auto r = parse(invite);
  ASSERT_TRUE(r.msg);
  std::string out = r.msg->serialize();
  auto again = parse(out);
  ASSERT_TRUE(again.msg);
  EXPECT_EQ(again.error_status, 0);
  EXPECT_EQ(again.msg->count(header_id::via), 2u);
  EXPECT_NE(out.find("Content-Length: 4\r\n\r\nv=0\n"), std::string::npos);
}

}  // namespace
}  // namespace sipproxy::sip
