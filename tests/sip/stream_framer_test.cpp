#include "sip/stream_framer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sipproxy::sip {
namespace {

const std::string with_body =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK1\r\n"
    "Call-ID: s1\r\n"
    "Content-Length: 5\r\n"
    "\r\n"
    "hello";

const std::string no_body =
    "OPTIONS sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK2\r\n"
    "l: 0\r\n"
    "\r\n";

TEST(stream_framer, empty_buffer_needs_more) {
  auto f = next_frame("", 65536);
  EXPECT_EQ(f.what, frame::kind::need_more);
  EXPECT_EQ(f.length, 0u);
}

TEST(stream_framer, partial_headers_need_more) {
  auto f = next_frame(std::string_view(with_body).substr(0, 40), 65536);
  EXPECT_EQ(f.what, frame::kind::need_more);
  EXPECT_EQ(f.length, 0u);
}

TEST(stream_framer, partial_body_needs_more) {
  auto f = next_frame(std::string_view(with_body).substr(0, with_body.size() - 1), 65536);
  EXPECT_EQ(f.what, frame::kind::need_more);
}

TEST(stream_framer, complete_message_with_body) {
  auto f = next_frame(with_body, 65536);
  EXPECT_EQ(f.what, frame::kind::message) << f.error;
  EXPECT_EQ(f.length, with_body.size());
}

TEST(stream_framer, compact_content_length_zero) {
  auto f = next_frame(no_body, 65536);
  EXPECT_EQ(f.what, frame::kind::message) << f.error;
  EXPECT_EQ(f.length, no_body.size());
}

TEST(stream_framer, two_messages_back_to_back) {
  std::string stream = with_body + no_body;
  auto first = next_frame(stream, 65536);
  ASSERT_EQ(first.what, frame::kind::message) << first.error;
  EXPECT_EQ(first.length, with_body.size());
  auto second = next_frame(std::string_view(stream).substr(first.length), 65536);
  ASSERT_EQ(second.what, frame::kind::message) << second.error;
  EXPECT_EQ(second.length, no_body.size());
}

TEST(stream_framer, keepalive_crlfs) {
  auto ping = next_frame("\r\n\r\n", 65536);
  EXPECT_EQ(ping.what, frame::kind::keepalive);
  EXPECT_EQ(ping.length, 4u);
  auto pong = next_frame("\r\n", 65536);
  EXPECT_EQ(pong.what, frame::kind::keepalive);
  EXPECT_EQ(pong.length, 2u);
}

TEST(stream_framer, keepalive_before_a_message_is_consumed_first) {
  std::string stream = "\r\n\r\n" + with_body;
  auto ka = next_frame(stream, 65536);
  ASSERT_EQ(ka.what, frame::kind::keepalive);
  EXPECT_EQ(ka.length, 4u);
  auto msg = next_frame(std::string_view(stream).substr(ka.length), 65536);
  EXPECT_EQ(msg.what, frame::kind::message);
  EXPECT_EQ(msg.length, with_body.size());
}

TEST(stream_framer, missing_content_length_is_an_error) {
  std::string m =
      "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\r\n";
  auto f = next_frame(m, 65536);
  EXPECT_EQ(f.what, frame::kind::error);
  EXPECT_FALSE(f.error.empty());
}

TEST(stream_framer, malformed_content_length_is_an_error) {
  std::string m = "OPTIONS sip:b@e SIP/2.0\r\nContent-Length: -1\r\n\r\n";
  auto f = next_frame(m, 65536);
  EXPECT_EQ(f.what, frame::kind::error);
  EXPECT_FALSE(f.error.empty());
}

TEST(stream_framer, content_length_beyond_max_size_is_an_error) {
  std::string m = "OPTIONS sip:b@e SIP/2.0\r\nContent-Length: 100000\r\n\r\n";
  auto f = next_frame(m, 65536);
  EXPECT_EQ(f.what, frame::kind::error);
  EXPECT_FALSE(f.error.empty());
}

TEST(stream_framer, message_exactly_at_max_size_is_fine) {
  auto f = next_frame(with_body, with_body.size());
  EXPECT_EQ(f.what, frame::kind::message);
  auto g = next_frame(with_body, with_body.size() - 1);
  EXPECT_EQ(g.what, frame::kind::error);
}

TEST(stream_framer, endless_header_section_is_an_error) {
  std::string m = "OPTIONS sip:b@e SIP/2.0\r\n";
  while (m.size() <= 2000) m += "X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
  auto f = next_frame(m, 1024);
  EXPECT_EQ(f.what, frame::kind::error);
  EXPECT_FALSE(f.error.empty());
}

}  // namespace
}  // namespace sipproxy::sip
