#include "sip/uri.hpp"

#include <gtest/gtest.h>

namespace sipproxy::sip {
namespace {

TEST(uri, full_sip_uri_splits_into_parts) {
  auto u = parse_uri("sip:alice:secret@atlanta.example.com:5061;transport=TCP;lr?subject=hi&x=y");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "sip");
  EXPECT_EQ(u->user, "alice");
  EXPECT_EQ(u->host, "atlanta.example.com");
  EXPECT_EQ(u->port, 5061);
  EXPECT_EQ(u->params, ";transport=TCP;lr");
  EXPECT_EQ(u->headers, "?subject=hi&x=y");
  EXPECT_TRUE(u->is_sip());
  EXPECT_FALSE(u->is_sips());
  EXPECT_EQ(u->transport(), "tcp");
  ASSERT_TRUE(u->param("lr"));
  EXPECT_EQ(*u->param("lr"), "");
  EXPECT_EQ(*u->param("TRANSPORT"), "TCP");
  EXPECT_FALSE(u->param("maddr"));
}

TEST(uri, host_only) {
  auto u = parse_uri("sip:example.com");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "");
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 0);
  EXPECT_EQ(u->params, "");
  EXPECT_EQ(u->headers, "");
  EXPECT_EQ(u->transport(), "udp");
}

TEST(uri, surrounding_whitespace_is_trimmed) {
  auto u = parse_uri("  sip:bob@10.0.0.1:5070  ");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "bob");
  EXPECT_EQ(u->host, "10.0.0.1");
  EXPECT_EQ(u->port, 5070);
}

TEST(uri, sips_defaults_to_tcp) {
  auto u = parse_uri("sips:bob@biloxi.example.com");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->is_sip());
  EXPECT_TRUE(u->is_sips());
  EXPECT_EQ(u->transport(), "tcp");
}

TEST(uri, scheme_is_case_insensitive) {
  auto u = parse_uri("SIP:bob@example.com");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "SIP");
  EXPECT_TRUE(u->is_sip());
  auto s = parse_uri("SiPs:bob@example.com");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->is_sips());
}

TEST(uri, empty_transport_param_falls_back_to_default) {
  auto u = parse_uri("sip:example.com;transport=");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->transport(), "udp");
  auto t = parse_uri("sip:example.com;transport=SCTP");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->transport(), "sctp");
}

TEST(uri, ipv6_reference_with_port) {
  auto u = parse_uri("sip:alice@[2001:db8::10]:5070;transport=tcp");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "alice");
  EXPECT_EQ(u->host, "[2001:db8::10]");
  EXPECT_EQ(u->port, 5070);
  EXPECT_EQ(u->params, ";transport=tcp");
}

TEST(uri, ipv6_reference_without_port) {
  auto u = parse_uri("sip:[::1]");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "[::1]");
  EXPECT_EQ(u->port, 0);
  auto v = parse_uri("sip:[2001:db8::1];lr");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->host, "[2001:db8::1]");
  EXPECT_EQ(v->port, 0);
  EXPECT_EQ(v->params, ";lr");
}

TEST(uri, unclosed_ipv6_reference_is_rejected) {
  EXPECT_FALSE(parse_uri("sip:[2001:db8::1"));
  EXPECT_FALSE(parse_uri("sip:[]"));
  EXPECT_FALSE(parse_uri("sip:[zz::1]"));
}

TEST(uri, user_may_contain_semicolon_and_escapes) {
  // RFC 4475 §3.1.1.3-style: the user part holds ';' and an escaped '@'.
  auto u = parse_uri("sip:user;par=u%40example.net@example.com");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "user;par=u%40example.net");
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->params, "");
}

TEST(uri, user_may_contain_question_mark_and_password) {
  // RFC 4475 3.1.1.2 (intmeth): '?', '/', ';' and ':' belong to the userinfo here.
  auto u = parse_uri(
      "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too."
      "(doesn't-it)@example.com");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  EXPECT_EQ(u->host, "example.com");
  EXPECT_TRUE(u->headers.empty());
  // An '@' inside the headers does not end the userinfo.
  auto h = parse_uri("sip:bob@example.com?Refer-To=sip:carol@example.net");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->user, "bob");
  EXPECT_EQ(h->host, "example.com");
  EXPECT_EQ(h->headers, "?Refer-To=sip:carol@example.net");
}

TEST(uri, bad_ports_are_rejected) {
  EXPECT_FALSE(parse_uri("sip:example.com:0"));
  EXPECT_FALSE(parse_uri("sip:example.com:65536"));
  EXPECT_FALSE(parse_uri("sip:example.com:"));
  EXPECT_FALSE(parse_uri("sip:example.com:abc"));
  EXPECT_FALSE(parse_uri("sip:example.com:-1"));
  EXPECT_FALSE(parse_uri("sip:example.com:50a0"));
  auto max = parse_uri("sip:example.com:65535");
  ASSERT_TRUE(max);
  EXPECT_EQ(max->port, 65535);
}

TEST(uri, malformed_text_is_rejected) {
  EXPECT_FALSE(parse_uri("sip:"));
  EXPECT_FALSE(parse_uri("sip:@example.com"));
  EXPECT_FALSE(parse_uri("sip:a b@example.com"));
  EXPECT_FALSE(parse_uri("sip:bob@exa_mple.com"));
  EXPECT_FALSE(parse_uri("sip:<bob@example.com>"));
  EXPECT_FALSE(parse_uri("bob@example.com"));
  EXPECT_FALSE(parse_uri(""));
}

TEST(uri, a_second_at_sign_is_not_a_uri) {
  // Found by the libosip2 differential: "sip:a@b;x@c" read with host c here and b there.
  EXPECT_FALSE(parse_uri("sip:alice@example.com;transice@example.net"));
  EXPECT_FALSE(parse_uri("sip:@user@example.com"));
  EXPECT_FALSE(parse_uri("sip:a:p@ss@example.com"));
  auto u = parse_uri("sip:a%40b@example.com");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "example.com");
}

TEST(uri, non_sip_schemes_are_nullopt) {
  EXPECT_FALSE(parse_uri("tel:+1-201-555-0123"));
  EXPECT_FALSE(parse_uri("http://example.com/"));
  EXPECT_FALSE(parse_uri("mailto:bob@example.com"));
  EXPECT_FALSE(parse_uri("sipx:bob@example.com"));
}

TEST(uri, uri_scheme_of_any_absolute_uri) {
  EXPECT_EQ(uri_scheme("tel:+1-201-555-0123"), "tel");
  EXPECT_EQ(uri_scheme("http://example.com/"), "http");
  EXPECT_EQ(uri_scheme("sips:bob@example.com"), "sips");
  EXPECT_EQ(uri_scheme("im+x-y.z:foo"), "im+x-y.z");
  EXPECT_EQ(uri_scheme("no-scheme-here"), "");
  EXPECT_EQ(uri_scheme(":leading"), "");
  EXPECT_EQ(uri_scheme("bad scheme:x"), "");
}

TEST(uri, find_param_is_case_insensitive_and_skips_quoted_semicolons) {
  std::string_view params = ";a=1;B=2;flag;q=\"x;y\";z=last";
  EXPECT_EQ(find_param(params, "a"), std::optional<std::string_view>("1"));
  EXPECT_EQ(find_param(params, "b"), std::optional<std::string_view>("2"));
  EXPECT_EQ(find_param(params, "FLAG"), std::optional<std::string_view>(""));
  EXPECT_EQ(find_param(params, "q"), std::optional<std::string_view>("\"x;y\""));
  EXPECT_EQ(find_param(params, "z"), std::optional<std::string_view>("last"));
  EXPECT_FALSE(find_param(params, "y"));
  EXPECT_FALSE(find_param(params, "missing"));
  EXPECT_FALSE(find_param("", "a"));
}

}  // namespace
}  // namespace sipproxy::sip
