#include "proxy/forward_edits.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sip/parser.hpp"

namespace sipproxy::proxy {
namespace {

sip::message_ptr parse(const std::string& bytes) {
  auto r = sip::parse(bytes);
  EXPECT_TRUE(r.msg) << bytes;
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  return r.msg;
}

std::string request(std::string_view method, std::string_view extra_headers = {},
                    std::string_view to_tag = {}) {
  std::string m;
  m.append(method).append(" sip:bob@example.com SIP/2.0\r\n");
  m.append("Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKabc\r\n");
  m.append(extra_headers);
  m.append("From: <sip:alice@example.com>;tag=a1\r\n");
  m.append("To: <sip:bob@example.com>");
  if (!to_tag.empty()) m.append(";tag=").append(to_tag);
  m.append("\r\nCall-ID: fe1\r\n");
  m.append("CSeq: 1 ").append(method).append("\r\n");
  m.append("Content-Length: 0\r\n\r\n");
  return m;
}

std::vector<std::string> routes(const sip::message& m) {
  std::vector<std::string> out;
  for (const auto& h : m.headers()) {
    if (h.id == sip::header_id::route) out.emplace_back(h.value);
  }
  return out;
}

TEST(decrement_max_forwards, inserts_70_when_absent) {
  auto m = parse(request("INVITE"));
  ASSERT_EQ(m->count(sip::header_id::max_forwards), 0u);
  decrement_max_forwards(*m);
  EXPECT_EQ(m->count(sip::header_id::max_forwards), 1u);
  EXPECT_EQ(m->value(sip::header_id::max_forwards), "70");
  EXPECT_NE(m->serialize().find("Max-Forwards: 70\r\n"), std::string::npos);
}

TEST(decrement_max_forwards, decrements_by_one) {
  auto m = parse(request("INVITE", "Max-Forwards: 5\r\n"));
  decrement_max_forwards(*m);
  EXPECT_EQ(m->count(sip::header_id::max_forwards), 1u);
  EXPECT_EQ(m->value(sip::header_id::max_forwards), "4");
  decrement_max_forwards(*m);
  EXPECT_EQ(m->value(sip::header_id::max_forwards), "3");
}

TEST(decrement_max_forwards, seventy_becomes_69_and_one_becomes_0) {
  auto m = parse(request("OPTIONS", "Max-Forwards: 70\r\n"));
  decrement_max_forwards(*m);
  EXPECT_EQ(m->value(sip::header_id::max_forwards), "69");
  auto one = parse(request("OPTIONS", "Max-Forwards: 1\r\n"));
  decrement_max_forwards(*one);
  EXPECT_EQ(one->value(sip::header_id::max_forwards), "0");
}

TEST(creates_dialog, dialog_creating_methods_outside_a_dialog) {
  EXPECT_TRUE(creates_dialog(*parse(request("INVITE"))));
  EXPECT_TRUE(creates_dialog(*parse(request("SUBSCRIBE", "Event: presence\r\n"))));
  EXPECT_TRUE(creates_dialog(*parse(request("REFER", "Refer-To: <sip:carol@example.com>\r\n"))));
  EXPECT_TRUE(creates_dialog(*parse(request("NOTIFY", "Event: refer\r\n"))));
}

TEST(creates_dialog, not_within_a_dialog) {
  EXPECT_FALSE(creates_dialog(*parse(request("INVITE", {}, "b9"))));
  EXPECT_FALSE(creates_dialog(*parse(request("SUBSCRIBE", "Event: presence\r\n", "b9"))));
  EXPECT_FALSE(creates_dialog(*parse(request("NOTIFY", "Event: refer\r\n", "b9"))));
}

TEST(creates_dialog, other_methods_never) {
  EXPECT_FALSE(creates_dialog(*parse(request("OPTIONS"))));
  EXPECT_FALSE(creates_dialog(*parse(request("MESSAGE"))));
  EXPECT_FALSE(creates_dialog(*parse(request("REGISTER"))));
  EXPECT_FALSE(creates_dialog(*parse(request("BYE", {}, "b9"))));
}

TEST(apply_strict_route, strict_router_becomes_the_request_uri) {
  auto m = parse(request("INVITE",
                         "Route: <sip:10.0.0.1:5070>\r\n"
                         "Route: <sip:10.0.0.9;lr>, <sip:10.0.0.10;lr>\r\n"));
  apply_strict_route(*m);
  EXPECT_EQ(m->request_uri(), "sip:10.0.0.1:5070");
  EXPECT_EQ(routes(*m), (std::vector<std::string>{"<sip:10.0.0.9;lr>", "<sip:10.0.0.10;lr>",
                                                  "<sip:bob@example.com>"}));
  std::string wire = m->serialize();
  EXPECT_EQ(wire.rfind("INVITE sip:10.0.0.1:5070 SIP/2.0\r\n", 0), 0u) << wire;
  // The appended Route stays next to the others, before From.
  EXPECT_LT(wire.find("Route: <sip:bob@example.com>"), wire.find("From:")) << wire;
}

TEST(apply_strict_route, only_route_is_a_strict_router) {
  auto m = parse(request("INVITE", "Route: <sip:10.0.0.1:5070;transport=tcp>\r\n"));
  apply_strict_route(*m);
  EXPECT_EQ(m->request_uri(), "sip:10.0.0.1:5070;transport=tcp");
  EXPECT_EQ(routes(*m), (std::vector<std::string>{"<sip:bob@example.com>"}));
}

TEST(apply_strict_route, loose_router_leaves_the_request_unchanged) {
  auto m = parse(request("INVITE",
                         "Route: <sip:10.0.0.1:5070;lr>\r\n"
                         "Route: <sip:10.0.0.9>\r\n"));
  std::string before = m->serialize();
  apply_strict_route(*m);
  EXPECT_EQ(m->request_uri(), "sip:bob@example.com");
  EXPECT_EQ(routes(*m), (std::vector<std::string>{"<sip:10.0.0.1:5070;lr>", "<sip:10.0.0.9>"}));
  EXPECT_EQ(m->serialize(), before);
}

TEST(apply_strict_route, no_route_leaves_the_request_unchanged) {
  auto m = parse(request("INVITE"));
  std::string before = m->serialize();
  apply_strict_route(*m);
  EXPECT_EQ(m->request_uri(), "sip:bob@example.com");
  EXPECT_TRUE(routes(*m).empty());
  EXPECT_EQ(m->serialize(), before);
}

}  // namespace
}  // namespace sipproxy::proxy
