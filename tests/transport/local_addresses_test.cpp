#include "transport/local_addresses.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

namespace sipproxy::transport {
namespace {

namespace asio = boost::asio;

TEST(local_addresses, loopback_is_local_and_a_documentation_address_is_not) {
  EXPECT_TRUE(is_local_address(asio::ip::make_address("127.0.0.1")));
  EXPECT_TRUE(is_local_address(asio::ip::make_address("127.0.0.2")));  // all of 127/8
  EXPECT_TRUE(is_local_address(asio::ip::make_address("::1")));
  EXPECT_FALSE(is_local_address(asio::ip::make_address("192.0.2.1")));  // TEST-NET-1
  EXPECT_FALSE(is_local_address(asio::ip::make_address("2001:db8::1")));
}

TEST(local_addresses, the_interfaces_include_loopback_and_every_one_is_local) {
  auto all = interface_addresses();
  EXPECT_NE(std::find(all.begin(), all.end(), asio::ip::make_address("127.0.0.1")), all.end());
  for (const auto& a : all) {
    if (a.is_v6() && a.to_v6().is_link_local()) continue;  // bindable only with a scope id
    EXPECT_TRUE(is_local_address(a)) << a.to_string();
  }
}

TEST(local_addresses, the_host_name_is_gethostname) {
  char buf[256] = {};
  ASSERT_EQ(::gethostname(buf, sizeof buf - 1), 0);
  EXPECT_EQ(local_host_name(), buf);
}

}  // namespace
}  // namespace sipproxy::transport
