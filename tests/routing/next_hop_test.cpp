#include "routing/next_hop.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sipproxy::routing {
namespace {

using namespace std::chrono_literals;

transport::peer udp(const char* ip, std::uint16_t port) {
  transport::peer p;
  p.proto = transport::protocol::udp;
  p.address = boost::asio::ip::make_address(ip);
  p.port = port;
  return p;
}

sip::uri uri(const char* text) {
  auto u = sip::parse_uri(text);
  EXPECT_TRUE(u) << text;
  return u ? *u : sip::uri{};
}

TEST(next_hop_test, numeric_host_with_default_port_and_transport) {
  host_table hosts;
  auto hop = next_hop(uri("sip:1000@192.0.2.7"), hosts);
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->address.to_string(), "192.0.2.7");
  EXPECT_EQ(hop->port, 5060);
  EXPECT_EQ(hop->proto, transport::protocol::udp);
  hop = next_hop(uri("sip:1000@192.0.2.7:5080;transport=TCP"), hosts);
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->port, 5080);
  EXPECT_EQ(hop->proto, transport::protocol::tcp);
}

TEST(next_hop_test, a_name_only_when_configured) {
  host_table hosts;
  EXPECT_FALSE(next_hop(uri("sip:1000@sipserver.test"), hosts));
  hosts.add("sipserver.test", boost::asio::ip::make_address("192.0.2.9"));
  auto hop = next_hop(uri("sip:1000@sipserver.test:5070"), hosts);
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->address.to_string(), "192.0.2.9");
  EXPECT_EQ(hop->port, 5070);
}

// RFC 3261 §26.2.2, RFC 5630: sips: is TLS whatever its transport parameter says, and
// ;transport=tls is TLS; both default to port 5061.
TEST(next_hop_test, sips_and_transport_tls_go_over_tls) {
  host_table hosts;
  for (const char* text : {"sips:1000@192.0.2.7", "sips:1000@192.0.2.7;transport=tcp",
                           "sip:1000@192.0.2.7;transport=tls"}) {
    auto hop = next_hop(uri(text), hosts);
    ASSERT_TRUE(hop) << text;
    EXPECT_EQ(hop->proto, transport::protocol::tls) << text;
    EXPECT_EQ(hop->port, 5061) << text;
  }
  auto hop = next_hop(uri("sips:1000@192.0.2.7:5071"), hosts);
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->port, 5071);
}

TEST(next_hop_test, unsupported_transport_has_no_hop) {
  host_table hosts;
  EXPECT_FALSE(next_hop(uri("sip:1000@192.0.2.7;transport=sctp"), hosts));
}

TEST(next_hop_test, cache_keeps_every_dns_target_in_order) {
  host_table hosts;
  auto now = host_table::clock::now();
  std::string key = host_table::hop_key(uri("sip:1000@SRV.test"));
  EXPECT_EQ(key, host_table::hop_key(uri("sip:other@srv.TEST")));  // host case-blind
  hosts.cache_hops(key, {udp("127.0.0.1", 5071), udp("127.0.0.2", 5072)}, now + 60s);
  auto hops = hosts.cached_hops(key, now);
  ASSERT_EQ(hops.size(), 2u);
  EXPECT_EQ(hops[0].port, 5071);
  EXPECT_EQ(hops[1].port, 5072);
  EXPECT_EQ(hops[1].address.to_string(), "127.0.0.2");
  // Another port or transport is another key.
  EXPECT_TRUE(hosts.cached_hops(host_table::hop_key(uri("sip:1000@srv.test:5060")), now).empty());
  EXPECT_TRUE(
      hosts.cached_hops(host_table::hop_key(uri("sip:1000@srv.test;transport=tcp")), now).empty());
}

TEST(next_hop_test, cache_entries_expire_and_empty_lists_are_not_kept) {
  host_table hosts;
  auto now = host_table::clock::now();
  hosts.cache_hops("a.test:0;udp", {udp("127.0.0.1", 5071)}, now + 10s);
  EXPECT_EQ(hosts.cached_hops("a.test:0;udp", now + 9s).size(), 1u);
  EXPECT_TRUE(hosts.cached_hops("a.test:0;udp", now + 10s).empty());
  hosts.cache_hops("b.test:0;udp", {}, now + 10s);
  EXPECT_TRUE(hosts.cached_hops("b.test:0;udp", now).empty());
}

TEST(next_hop_test, cache_is_bounded) {
  host_table hosts;
  auto now = host_table::clock::now();
  for (int i = 0; i < 10000; ++i)
    hosts.cache_hops("h" + std::to_string(i), {udp("127.0.0.1", 5071)}, now + 60s);
  hosts.cache_hops("one-too-many", {udp("127.0.0.1", 5071)}, now + 60s);
  EXPECT_TRUE(hosts.cached_hops("one-too-many", now).empty());
  EXPECT_EQ(hosts.cached_hops("h9999", now).size(), 1u);
}

}  // namespace
}  // namespace sipproxy::routing
