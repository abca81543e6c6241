#include "routing/feature_servers.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace sipproxy::routing {
namespace {

member at(std::uint16_t port) {
  member m;
  m.configured = "fs.example:" + std::to_string(port);
  m.address.address = boost::asio::ip::make_address("127.0.0.1");
  m.address.port = port;
  return m;
}

TEST(feature_servers, round_robin_over_the_active_ones) {
  feature_servers fs;
  fs.assign({at(5080), at(5081), at(5082)});
  fs.all()[1].state = member_state::out_of_service;
  std::map<std::uint16_t, int> n;
  for (int i = 0; i < 6; ++i) ++n[fs.pick(balance_method::round_robin)->address.port];
  EXPECT_EQ(n[5080], 3);
  EXPECT_EQ(n[5081], 0);
  EXPECT_EQ(n[5082], 3);
}

TEST(feature_servers, random_uses_only_active_ones_and_none_gives_nullptr) {
  feature_servers fs;
  fs.assign({at(5080), at(5081)});
  fs.all()[0].state = member_state::inactive;
  for (int i = 0; i < 20; ++i) EXPECT_EQ(fs.pick(balance_method::random)->address.port, 5081);
  fs.all()[1].state = member_state::out_of_service;
  EXPECT_EQ(fs.pick(balance_method::random), nullptr);
  EXPECT_EQ(fs.pick(balance_method::round_robin), nullptr);
  feature_servers none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.pick(balance_method::round_robin), nullptr);
}

TEST(feature_servers, those_of_the_proxys_geo_location_come_first) {
  feature_servers fs;
  std::vector<member> list{at(5080), at(5081), at(5082)};
  list[0].geo_location = "west";
  list[1].geo_location = "east";  // list[2] has none: it belongs to every location
  fs.assign(std::move(list));
  fs.set_local_geo("east");
  std::map<std::uint16_t, int> n;
  for (int i = 0; i < 6; ++i) ++n[fs.pick(balance_method::round_robin)->address.port];
  EXPECT_EQ(n[5080], 0);
  EXPECT_EQ(n[5081], 3);
  EXPECT_EQ(n[5082], 3);
  // No local one in service: the other location's.
  fs.all()[1].state = member_state::out_of_service;
  fs.all()[2].state = member_state::inactive;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(fs.pick(balance_method::random)->address.port, 5080);
  // Back as soon as a local one is.
  fs.all()[1].state = member_state::active;
  EXPECT_EQ(fs.pick(balance_method::round_robin)->address.port, 5081);
  // A proxy without a geo-location: every server is local.
  fs.set_local_geo("");
  n.clear();
  for (int i = 0; i < 4; ++i) ++n[fs.pick(balance_method::round_robin)->address.port];
  EXPECT_EQ(n[5080], 2);
  EXPECT_EQ(n[5081], 2);
}

TEST(feature_servers, found_by_address_and_by_configured_name) {
  feature_servers fs;
  fs.assign({at(5080), at(5081)});
  auto lo = boost::asio::ip::make_address("127.0.0.1");
  EXPECT_EQ(fs.at(lo, 5081), &fs.all()[1]);
  EXPECT_EQ(fs.at(lo, 5083), nullptr);
  EXPECT_EQ(fs.by_configured("fs.example:5080"), &fs.all()[0]);
  EXPECT_EQ(fs.by_configured("fs.example:5083"), nullptr);
  EXPECT_EQ(fs.by_configured("127.0.0.1:5080"), nullptr);
}

}  // namespace
}  // namespace sipproxy::routing
