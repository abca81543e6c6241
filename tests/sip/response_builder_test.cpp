#include "sip/response_builder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sip/name_addr.hpp"
#include "sip/parser.hpp"

namespace sipproxy::sip {
namespace {

message_ptr request(std::string_view to = "Bob <sip:bob@example.com>") {
  auto r = parse(
      "INVITE sip:bob@example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1, SIP/2.0/UDP "
      "p2.example.com;branch=z9hG4bKp2\r\n"
      "Max-Forwards: 69\r\n"
      "Via: SIP/2.0/UDP ua.example.com:5062;branch=z9hG4bKua;received=192.0.2.1\r\n"
      "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
      "To: " +
      std::string(to) +
      "\r\n"
      "Call-ID: a84b4c76e66710@ua.example.com\r\n"
      "CSeq: 314159 INVITE\r\n"
      "Contact: <sip:alice@192.0.2.1>\r\n"
      "Record-Route: <sip:p1.example.com;lr>\r\n"
      "Content-Type: application/sdp\r\n"
      "Content-Length: 4\r\n"
      "\r\n"
      "v=0\n");
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  return r.msg;
}

message_ptr reparse(const std::string& bytes) {
  auto r = parse(bytes);
  EXPECT_TRUE(r.msg) << bytes;
  EXPECT_EQ(r.error_status, 0) << r.error_reason << "\n" << bytes;
  return r.msg;
}

std::vector<std::string_view> values(const message& m, header_id id) {
  std::vector<std::string_view> out;
  for (const auto& h : m.headers())
    if (h.id == id) out.push_back(h.value);
  return out;
}

TEST(response_builder, status_line_uses_default_reason) {
  auto req = request();
  std::string out = build_response(*req, 404, {}, "t1");
  EXPECT_EQ(out.rfind("SIP/2.0 404 Not Found\r\n", 0), 0u) << out;
  std::string custom = build_response(*req, 480, "Gone Fishing", "t1");
  EXPECT_EQ(custom.rfind("SIP/2.0 480 Gone Fishing\r\n", 0), 0u) << custom;
}

TEST(response_builder, default_reasons) {
  EXPECT_EQ(default_reason(100), "Trying");
  EXPECT_EQ(default_reason(200), "OK");
  EXPECT_EQ(default_reason(408), "Request Timeout");
  EXPECT_EQ(default_reason(482), "Loop Detected");
  EXPECT_EQ(default_reason(483), "Too Many Hops");
  EXPECT_EQ(default_reason(503), "Service Unavailable");
  EXPECT_EQ(default_reason(799), "Unknown");
}

TEST(response_builder, copies_all_vias_in_order) {
  auto req = request();
  auto rsp = reparse(build_response(*req, 404, {}, "t1"));
  ASSERT_TRUE(rsp);
  auto vias = values(*rsp, header_id::via);
  ASSERT_EQ(vias.size(), 3u);
  EXPECT_EQ(vias[0], "SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1");
  EXPECT_EQ(vias[1], "SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2");
  EXPECT_EQ(vias[2], "SIP/2.0/UDP ua.example.com:5062;branch=z9hG4bKua;received=192.0.2.1");
}

TEST(response_builder, copies_from_to_call_id_cseq_and_nothing_else) {
  auto req = request();
  auto rsp = reparse(build_response(*req, 404, {}, "t1"));
  ASSERT_TRUE(rsp);
  EXPECT_TRUE(rsp->is_response());
  EXPECT_EQ(rsp->status(), 404);
  EXPECT_EQ(rsp->value(header_id::from), "Alice <sip:alice@example.com>;tag=1928301774");
  EXPECT_EQ(rsp->value(header_id::call_id), "a84b4c76e66710@ua.example.com");
  EXPECT_EQ(rsp->value(header_id::cseq), "314159 INVITE");
  EXPECT_EQ(rsp->count(header_id::contact), 0u);
  EXPECT_EQ(rsp->count(header_id::record_route), 0u);
  EXPECT_EQ(rsp->count(header_id::max_forwards), 0u);
  EXPECT_EQ(rsp->count(header_id::content_type), 0u);
}

TEST(response_builder, adds_to_tag_to_final_response) {
  auto req = request();
  auto rsp = reparse(build_response(*req, 404, {}, "t1"));
  ASSERT_TRUE(rsp);
  EXPECT_EQ(rsp->value(header_id::to), "Bob <sip:bob@example.com>;tag=t1");
  EXPECT_EQ(tag_of(rsp->value(header_id::to)), "t1");
}

TEST(response_builder, adds_to_tag_to_provisional_above_100) {
  auto req = request();
  auto rsp = reparse(build_response(*req, 180, {}, "t2"));
  ASSERT_TRUE(rsp);
  EXPECT_EQ(tag_of(rsp->value(header_id::to)), "t2");
}

TEST(response_builder, no_to_tag_on_100_trying) {
  auto req = request();
  auto rsp = reparse(build_response(*req, 100, {}, "t1"));
  ASSERT_TRUE(rsp);
  EXPECT_EQ(rsp->value(header_id::to), "Bob <sip:bob@example.com>");
}

TEST(response_builder, existing_to_tag_is_kept) {
  auto req = request("<sip:bob@example.com>;tag=already");
  auto rsp = reparse(build_response(*req, 404, {}, "t1"));
  ASSERT_TRUE(rsp);
  EXPECT_EQ(rsp->value(header_id::to), "<sip:bob@example.com>;tag=already");
}

TEST(response_builder, extra_headers_and_empty_body) {
  auto req = request();
  std::string out =
      build_response(*req, 503, {}, "t1", "Retry-After: 30\r\nWarning: 399 p \"x\"\r\n");
  auto rsp = reparse(out);
  ASSERT_TRUE(rsp);
  EXPECT_EQ(rsp->value(header_id::retry_after), "30");
  EXPECT_NE(out.find("Warning: 399 p \"x\"\r\n"), std::string::npos) << out;
  EXPECT_EQ(rsp->body(), "");
  ASSERT_GE(out.size(), 23u);
  EXPECT_EQ(out.substr(out.size() - 23), "\r\nContent-Length: 0\r\n\r\n") << out;
  EXPECT_EQ(rsp->count(header_id::content_length), 1u);
}

}  // namespace
}  // namespace sipproxy::sip
