#include "proxy/aor.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sipproxy::proxy {
namespace {

config::settings base_settings() {
  config::settings s;
  s.self.name = "SIPProxy_1";
  s.self.host = "proxy.example.com";
  s.self.sip_port = 5070;
  s.proxies.push_back(s.self);
  return s;
}

std::string aor(std::string_view text, const local_identity& self) {
  auto u = sip::parse_uri(text);
  EXPECT_TRUE(u.has_value()) << text;
  return u ? canonical_aor(*u, self) : std::string();
}

std::vector<boost::asio::ip::address> addrs(std::initializer_list<const char*> list) {
  std::vector<boost::asio::ip::address> out;
  for (const char* a : list) out.push_back(boost::asio::ip::make_address(a));
  return out;
}

TEST(canonical_aor, foreign_host_lower_cased_without_port_or_params) {
  local_identity self(base_settings(), "proxy.example.com", addrs({"10.0.0.5"}));
  EXPECT_EQ(aor("sip:1000@Other.Example.COM:5080;transport=tcp", self),
            "sip:1000@other.example.com");
  EXPECT_EQ(aor("sip:1000@192.0.2.7", self), "sip:1000@192.0.2.7");
}

TEST(canonical_aor, user_part_is_kept_as_written) {
  local_identity self(base_settings(), "proxy.example.com", addrs({"10.0.0.5"}));
  EXPECT_EQ(aor("sip:Alice@other.example.com", self), "sip:Alice@other.example.com");
  EXPECT_NE(aor("sip:Alice@other.example.com", self), aor("sip:alice@other.example.com", self));
}

TEST(canonical_aor, every_name_of_the_proxy_gives_one_domain) {
  auto s = base_settings();
  s.contact_address = "sip.example.com:5070";
  local_identity self(s, "proxy.example.com", addrs({"10.0.0.5"}));
  const std::string want = "sip:1000@" + self.domain();
  EXPECT_EQ(self.domain(), "sip.example.com");
  EXPECT_EQ(aor("sip:1000@sip.example.com:5070", self), want);
  EXPECT_EQ(aor("sip:1000@PROXY.example.com:5070", self), want);
  EXPECT_EQ(aor("sip:1000@10.0.0.5:5070", self), want);
}

TEST(canonical_aor, internal_domain_is_the_canonical_domain_with_or_without_port) {
  auto s = base_settings();
  s.internal_domain = "corp.example.com";
  local_identity self(s, "proxy.example.com", addrs({"10.0.0.5"}));
  EXPECT_EQ(aor("sip:1000@corp.example.com", self), "sip:1000@corp.example.com");
  EXPECT_EQ(aor("sip:1000@Corp.Example.com:5070", self), "sip:1000@corp.example.com");
  EXPECT_EQ(aor("sip:1000@10.0.0.5:5070", self), "sip:1000@corp.example.com");
  EXPECT_EQ(aor("sip:1000@proxy.example.com:5070", self), "sip:1000@corp.example.com");
}

TEST(canonical_aor, own_address_on_another_port_is_not_the_proxy) {
  local_identity self(base_settings(), "proxy.example.com", addrs({"10.0.0.5"}));
  EXPECT_EQ(aor("sip:1000@10.0.0.5:5090", self), "sip:1000@10.0.0.5");
  // No port means 5060, which is not this proxy's port here.
  EXPECT_EQ(aor("sip:1000@10.0.0.5", self), "sip:1000@10.0.0.5");
}

TEST(canonical_aor, loopback_registration_matches_an_invite_to_the_same_address) {
  // The integration suite's set-up: contact-address 127.0.0.1:PORT; a phone registers
  // 1000@127.0.0.1:PORT and a SIP Server later sends an INVITE to the same.
  auto s = base_settings();
  s.self.host = "127.0.0.1";
  s.contact_address = "127.0.0.1:5070";
  local_identity self(s, "127.0.0.1", addrs({"127.0.0.1"}));
  EXPECT_EQ(aor("sip:1000@127.0.0.1:5070", self), "sip:1000@127.0.0.1");
  // The registered contact of that phone (another port) is not an AOR of the proxy.
  EXPECT_EQ(aor("sip:1000@127.0.0.1:40000", self), "sip:1000@127.0.0.1");
}

TEST(canonical_aor, other_proxies_of_the_pool_count_as_this_one) {
  auto s = base_settings();
  config::proxy_app other;
  other.name = "SIPProxy_2";
  other.host = "proxy2.example.com";
  other.sip_port = 5070;
  s.proxies.push_back(other);
  s.contact_address = "pool.example.com:5070";
  local_identity self(s, "proxy.example.com", addrs({"10.0.0.5"}));
  EXPECT_EQ(aor("sip:1000@proxy2.example.com:5070", self), "sip:1000@pool.example.com");
}

}  // namespace
}  // namespace sipproxy::proxy
