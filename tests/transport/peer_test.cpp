#include "transport/peer.hpp"

#include <gtest/gtest.h>

namespace sipproxy::transport {
namespace {

TEST(peer, parse_ip_accepts_literals_and_unmaps_v4) {
  boost::asio::ip::address a;
  ASSERT_TRUE(parse_ip("127.0.0.1", a));
  EXPECT_EQ(a.to_string(), "127.0.0.1");
  ASSERT_TRUE(parse_ip("[::ffff:10.1.2.3]", a));
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a.to_string(), "10.1.2.3");
}

TEST(peer, parse_ip_leaves_the_output_alone_for_a_name) {
  // A SIP Server given by name was once configured as 0.0.0.0 because of this.
  boost::asio::ip::address a = boost::asio::ip::make_address("192.0.2.7");
  EXPECT_FALSE(parse_ip("sipserver.example.com", a));
  EXPECT_EQ(a.to_string(), "192.0.2.7");
}

}  // namespace
}  // namespace sipproxy::transport
