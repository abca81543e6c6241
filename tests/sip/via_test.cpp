#include "sip/via.hpp"

#include <gtest/gtest.h>

namespace sipproxy::sip {
namespace {

TEST(via, parses_transport_host_port_and_params) {
  auto v = parse_via("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;rport");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->transport, "UDP");
  EXPECT_EQ(v->host, "10.0.0.1");
  EXPECT_EQ(v->port, 5060);
  EXPECT_EQ(v->params, ";branch=z9hG4bK776asdhds;rport");
  EXPECT_EQ(v->branch(), "z9hG4bK776asdhds");
  EXPECT_TRUE(v->rfc3261_branch());
  ASSERT_TRUE(v->param("rport"));
  EXPECT_EQ(*v->param("rport"), "");
  EXPECT_FALSE(v->param("received"));
}

TEST(via, no_port_and_no_params) {
  auto v = parse_via("SIP/2.0/TCP proxy.example.com");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->transport, "TCP");
  EXPECT_EQ(v->host, "proxy.example.com");
  EXPECT_EQ(v->port, 0);
  EXPECT_EQ(v->params, "");
  EXPECT_EQ(v->branch(), "");
  EXPECT_FALSE(v->rfc3261_branch());
}

TEST(via, lws_around_slashes_and_colon) {
  // RFC 4475 §3.1.1.1 (wsinv): "SIP  /   2.0  / TCP     spindle.example.com   ;".
  auto v =
      parse_via("SIP  /   2.0  / TCP     spindle.example.com  :  5070 ;  branch  =  z9hG4bK9ikj8");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->transport, "TCP");
  EXPECT_EQ(v->host, "spindle.example.com");
  EXPECT_EQ(v->port, 5070);
  EXPECT_EQ(v->branch(), "z9hG4bK9ikj8");
  EXPECT_TRUE(v->rfc3261_branch());
}

TEST(via, protocol_name_is_case_insensitive) {
  auto v = parse_via("sip/2.0/udp host.example.com;branch=z9hG4bK1");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->transport, "udp");
}

TEST(via, ipv6_sent_by) {
  auto v = parse_via("SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas3-111");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->host, "[2001:db8::9:1]");
  EXPECT_EQ(v->port, 5070);
  EXPECT_EQ(v->branch(), "z9hG4bKas3-111");

  auto w = parse_via("SIP/2.0/UDP [::1];received=::1");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->host, "[::1]");
  EXPECT_EQ(w->port, 0);
  EXPECT_EQ(*w->param("received"), "::1");
}

TEST(via, rfc2543_branch_is_not_rfc3261) {
  auto v = parse_via("SIP/2.0/UDP h.example.com;branch=1234abc");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->branch(), "1234abc");
  EXPECT_FALSE(v->rfc3261_branch());
}

TEST(via, other_params_are_reachable) {
  auto v = parse_via("SIP/2.0/UDP h;ttl=16;maddr=224.2.0.1;received=192.0.2.1;branch=z9hG4bKa");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v->param("ttl"), "16");
  EXPECT_EQ(*v->param("maddr"), "224.2.0.1");
  EXPECT_EQ(*v->param("RECEIVED"), "192.0.2.1");
  EXPECT_EQ(v->branch(), "z9hG4bKa");
}

TEST(via, malformed_values_are_nullopt) {
  EXPECT_FALSE(parse_via("SIP/3.0/UDP h"));
  EXPECT_FALSE(parse_via("SIP/2.0 UDP h"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP ;branch=z9hG4bK1"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP h:0"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP h:70000"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP h:abc"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP h:"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP [::1"));
  EXPECT_FALSE(parse_via("HTTP/2.0/UDP h"));
  EXPECT_FALSE(parse_via(""));
}

TEST(via, params_outside_the_grammar_make_it_unreadable) {
  // Found by the libosip2 differential: "192;0.2.10:5070;br(anch=..." was read as host
  // 192 with no branch, and the request forwarded (RFC 3261 §25.1 via-params).
  EXPECT_FALSE(parse_via("SIP/2.0/UDP 192;0.2.10:5070;br(anch=z9hG4bK1"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP h;branch=z9hG4bK1;;rport"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP h;branch=a b"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP h;received=[::1"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP h;branch=z9hG4bK1;"));
}

TEST(via, sent_by_host_outside_the_grammar_makes_it_unreadable) {
  // Found by the libosip2 differential: octets 0xff... before the address were taken
  // as part of the host.
  EXPECT_FALSE(
      parse_via("SIP/2.0/UD\xff\xfb"
                "192.0.2.10:5070;branch=z9hG4bK1"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP ho_st;branch=z9hG4bK1"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP [2001:db8::g]"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP h:o:st"));
}

TEST(via, params_inside_the_grammar_are_fine) {
  EXPECT_TRUE(parse_via("SIP/2.0/UDP h ; branch = z9hG4bK1 ; rport"));
  EXPECT_TRUE(parse_via("SIP/2.0/UDP h;received=[2001:db8::9:255];rport=5060"));
  EXPECT_TRUE(parse_via("SIP/2.0/UDP h;x-quoted=\"a; b\";branch=z9hG4bK1"));
  EXPECT_TRUE(parse_via("SIP/2.0/UDP h;maddr=224.2.0.1;ttl=16"));
}

// --- stamp_received (RFC 3261 §18.2.1, RFC 3581 §4) ---------------------------------

std::string stamp(std::string_view value, std::string_view ip, std::uint16_t port) {
  auto v = parse_via(value);
  EXPECT_TRUE(v) << value;
  if (!v) return {};
  return stamp_received(value, *v, ip, port);
}

TEST(via_stamp, adds_received_when_host_differs) {
  EXPECT_EQ(stamp("SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1", "192.0.2.4", 5060),
            "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1;received=192.0.2.4");
}

TEST(via_stamp, adds_received_without_params) {
  EXPECT_EQ(stamp("SIP/2.0/UDP 10.0.0.9:5062", "192.0.2.4", 5062),
            "SIP/2.0/UDP 10.0.0.9:5062;received=192.0.2.4");
}

TEST(via_stamp, unchanged_when_host_is_the_source) {
  std::string value = "SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK1";
  EXPECT_EQ(stamp(value, "192.0.2.4", 33000), value);
}

TEST(via_stamp, fills_bare_rport_and_adds_received_even_when_host_matches) {
  EXPECT_EQ(stamp("SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1", "10.0.0.1", 6000),
            "SIP/2.0/UDP 10.0.0.1:5060;rport=6000;branch=z9hG4bK1;received=10.0.0.1");
}

TEST(via_stamp, fills_bare_rport_behind_a_nat) {
  EXPECT_EQ(stamp("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport", "203.0.113.7", 41000),
            "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport=41000;received=203.0.113.7");
}

TEST(via_stamp, rport_with_a_value_is_left_alone) {
  EXPECT_EQ(stamp("SIP/2.0/UDP 10.0.0.1;rport=1234;branch=z9hG4bK1", "10.0.0.1", 6000),
            "SIP/2.0/UDP 10.0.0.1;rport=1234;branch=z9hG4bK1");
}

TEST(via_stamp, leaves_an_existing_received) {
  std::string value = "SIP/2.0/UDP h.example.com;branch=z9hG4bK1;received=198.51.100.1";
  EXPECT_EQ(stamp(value, "192.0.2.4", 5060), value);
}

TEST(via_stamp, ipv6_host_matching_the_source_is_unchanged) {
  std::string value = "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1";
  EXPECT_EQ(stamp(value, "2001:db8::1", 5060), value);
}

}  // namespace
}  // namespace sipproxy::sip
