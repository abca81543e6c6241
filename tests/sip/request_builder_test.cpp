#include "sip/request_builder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sip/name_addr.hpp"
#include "sip/parser.hpp"

namespace sipproxy::sip {
namespace {

message_ptr must_parse(const std::string& bytes) {
  auto r = parse(bytes);
  EXPECT_TRUE(r.msg) << bytes;
  EXPECT_EQ(r.error_status, 0) << r.error_reason << "\n" << bytes;
  return r.msg;
}

// The INVITE as this proxy sent it: our Via on top, a Route set, a body.
message_ptr sent_invite() {
  return must_parse(
      "INVITE sip:bob@192.0.2.20:5060;transport=udp SIP/2.0\r\n"
      "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKspabc.1\r\n"
      "Via: SIP/2.0/UDP ua.example.com;branch=z9hG4bKua;received=192.0.2.1\r\n"
      "Route: <sip:edge1.example.com;lr>, <sip:edge2.example.com;lr>\r\n"
      "Max-Forwards: 69\r\n"
      "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
      "To: Bob <sip:bob@example.com>\r\n"
      "Call-ID: a84b4c76e66710\r\n"
      "CSeq: 314159 INVITE\r\n"
      "Contact: <sip:alice@192.0.2.1>\r\n"
      "Content-Type: application/sdp\r\n"
      "Content-Length: 4\r\n"
      "\r\n"
      "v=0\n");
}

message_ptr busy_response() {
  return must_parse(
      "SIP/2.0 486 Busy Here\r\n"
      "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKspabc.1\r\n"
      "Via: SIP/2.0/UDP ua.example.com;branch=z9hG4bKua;received=192.0.2.1\r\n"
      "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
      "To: Bob <sip:bob@example.com>;tag=b0b\r\n"
      "Call-ID: a84b4c76e66710\r\n"
      "CSeq: 314159 INVITE\r\n"
      "Content-Length: 0\r\n\r\n");
}

std::vector<std::string_view> values(const message& m, header_id id) {
  std::vector<std::string_view> out;
  for (const auto& h : m.headers())
    if (h.id == id) out.push_back(h.value);
  return out;
}

TEST(request_builder, ack_for_non_2xx) {
  auto invite = sent_invite();
  auto rsp = busy_response();
  auto ack = must_parse(build_ack(*invite, *rsp));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->method(), "ACK");
  EXPECT_EQ(ack->request_uri(), "sip:bob@192.0.2.20:5060;transport=udp");
  auto vias = values(*ack, header_id::via);
  ASSERT_EQ(vias.size(), 1u);
  EXPECT_EQ(vias[0], "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKspabc.1");
  auto routes = values(*ack, header_id::route);
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0], "<sip:edge1.example.com;lr>");
  EXPECT_EQ(routes[1], "<sip:edge2.example.com;lr>");
  EXPECT_EQ(ack->value(header_id::from), "Alice <sip:alice@example.com>;tag=1928301774");
  EXPECT_EQ(ack->value(header_id::to), "Bob <sip:bob@example.com>;tag=b0b");
  EXPECT_EQ(tag_of(ack->value(header_id::to)), "b0b");
  EXPECT_EQ(ack->value(header_id::call_id), "a84b4c76e66710");
  EXPECT_EQ(ack->value(header_id::cseq), "314159 ACK");
  EXPECT_EQ(ack->body(), "");
  EXPECT_EQ(ack->value(header_id::content_length), "0");
  EXPECT_EQ(ack->count(header_id::contact), 0u);
}

TEST(request_builder, cancel_for_pending_invite) {
  auto invite = sent_invite();
  auto cancel = must_parse(build_cancel(*invite));
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->method(), "CANCEL");
  EXPECT_EQ(cancel->request_uri(), "sip:bob@192.0.2.20:5060;transport=udp");
  auto vias = values(*cancel, header_id::via);
  ASSERT_EQ(vias.size(), 1u);
  EXPECT_EQ(vias[0], "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKspabc.1");
  auto routes = values(*cancel, header_id::route);
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0], "<sip:edge1.example.com;lr>");
  EXPECT_EQ(routes[1], "<sip:edge2.example.com;lr>");
  EXPECT_EQ(cancel->value(header_id::from), "Alice <sip:alice@example.com>;tag=1928301774");
  EXPECT_EQ(cancel->value(header_id::to), "Bob <sip:bob@example.com>");
  EXPECT_EQ(cancel->value(header_id::call_id), "a84b4c76e66710");
  EXPECT_EQ(cancel->value(header_id::cseq), "314159 CANCEL");
  EXPECT_EQ(cancel->body(), "");
}

TEST(request_builder, no_route_set_means_no_route_headers) {
  auto invite = must_parse(
      "INVITE sip:bob@example.com SIP/2.0\r\n"
      "Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKspx.2\r\n"
      "From: <sip:alice@example.com>;tag=1\r\n"
      "To: <sip:bob@example.com>\r\n"
      "Call-ID: c2\r\n"
      "CSeq: 7 INVITE\r\n\r\n");
  auto cancel = must_parse(build_cancel(*invite));
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->count(header_id::route), 0u);
  EXPECT_EQ(cancel->value(header_id::cseq), "7 CANCEL");
  EXPECT_EQ(cancel->value(header_id::via), "SIP/2.0/TCP proxy.example.com;branch=z9hG4bKspx.2");
}

}  // namespace
}  // namespace sipproxy::sip
