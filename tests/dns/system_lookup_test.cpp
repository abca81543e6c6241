#include "dns/system_lookup.hpp"

#include <gtest/gtest.h>

namespace sipproxy::dns {
namespace {

namespace asio = boost::asio;

TEST(system_lookup, an_ip_literal_is_itself) {
  EXPECT_EQ(system_lookup("192.0.2.7"), asio::ip::make_address("192.0.2.7"));
  EXPECT_EQ(system_lookup("2001:db8::1"), asio::ip::make_address("2001:db8::1"));
  EXPECT_EQ(system_lookup("[2001:db8::1]"), asio::ip::make_address("2001:db8::1"));
}

TEST(system_lookup, an_ipv4_mapped_address_comes_back_as_ipv4) {
  EXPECT_EQ(system_lookup("::ffff:192.0.2.7"), asio::ip::make_address("192.0.2.7"));
}

// /etc/hosts names localhost on every host the tests run on; IPv4 comes first.
TEST(system_lookup, a_name_in_etc_hosts_resolves_to_its_ipv4_address) {
  auto a = system_lookup("localhost");
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, asio::ip::make_address("127.0.0.1"));
}

// RFC 6761 §6.4: .invalid never resolves.
TEST(system_lookup, a_name_that_does_not_resolve_is_nullopt) {
  EXPECT_FALSE(system_lookup("no-such-host.invalid"));
  EXPECT_FALSE(system_lookup(""));
}

}  // namespace
}  // namespace sipproxy::dns
