#include "routing/server_table.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sipproxy::routing {
namespace {

transport::peer peer_at(transport::protocol proto, const std::string& ip, std::uint16_t port) {
  transport::peer p;
  p.proto = proto;
  EXPECT_TRUE(transport::parse_ip(ip, p.address)) << ip;
  p.port = port;
  return p;
}

member member_at(const std::string& ip, std::uint16_t port, bool tcp = false) {
  member m;
  m.configured = ip + ":" + std::to_string(port);
  m.address = peer_at(tcp ? transport::protocol::tcp : transport::protocol::udp, ip, port);
  return m;
}

std::vector<server_pair> pairs() {
  server_pair a;
  a.name = "A";
  a.primary = member_at("10.0.0.1", 5070);
  a.backup = member_at("10.0.0.2", 5070);
  server_pair b;
  b.name = "B";
  b.primary = member_at("10.0.0.3", 5080, true);
  server_pair c;
  c.name = "C";
  c.primary = member_at("10.0.0.1", 5090);  // same host as A's primary, other port
  return {a, b, c};
}

class server_table_test : public ::testing::Test {
 protected:
  server_table table{pairs()};
  server_pair& a() { return table.pairs()[0]; }
  server_pair& b() { return table.pairs()[1]; }
};

TEST_F(server_table_test, indexes_follow_the_order) {
  ASSERT_EQ(table.pairs().size(), 3u);
  EXPECT_EQ(table.pairs()[0].index, 0u);
  EXPECT_EQ(table.pairs()[2].index, 2u);
  EXPECT_EQ(table.by_index(1)->name, "B");
  EXPECT_EQ(table.by_index(3), nullptr);
  EXPECT_EQ(table.by_name("C")->index, 2u);
  EXPECT_EQ(table.by_name("D"), nullptr);
}

TEST_F(server_table_test, member_state_names) {
  EXPECT_EQ(member_state_name(member_state::active), "active");
  EXPECT_EQ(member_state_name(member_state::inactive), "inactive");
  EXPECT_EQ(member_state_name(member_state::out_of_service), "out-of-service");
}

struct state_case {
  member_state primary;
  member_state backup;
  int active;  // 0 none, 1 primary, 2 backup
  int dialog;
};

class member_choice : public server_table_test, public ::testing::WithParamInterface<state_case> {};

const member* expected(server_pair& p, int which) {
  if (which == 1) return &p.primary;
  if (which == 2) return &*p.backup;
  return nullptr;
}

TEST_P(member_choice, active_and_dialog_member) {
  const state_case& c = GetParam();
  a().primary.state = c.primary;
  a().backup->state = c.backup;
  EXPECT_EQ(table.active_member(a()), expected(a(), c.active));
  EXPECT_EQ(table.dialog_member(a()), expected(a(), c.dialog));
}

using ms = member_state;
INSTANTIATE_TEST_SUITE_P(server_table, member_choice,
                         ::testing::Values(state_case{ms::active, ms::active, 1, 1},
                                           state_case{ms::active, ms::inactive, 1, 1},
                                           state_case{ms::active, ms::out_of_service, 1, 1},
                                           state_case{ms::inactive, ms::active, 2, 2},
                                           state_case{ms::out_of_service, ms::active, 2, 2},
                                           state_case{ms::inactive, ms::inactive, 0, 1},
                                           state_case{ms::inactive, ms::out_of_service, 0, 1},
                                           state_case{ms::out_of_service, ms::inactive, 0, 2},
                                           state_case{ms::out_of_service, ms::out_of_service, 0,
                                                      0}));

TEST_F(server_table_test, pair_without_backup) {
  EXPECT_EQ(table.active_member(b()), &b().primary);
  EXPECT_EQ(table.dialog_member(b()), &b().primary);
  b().primary.state = member_state::inactive;
  EXPECT_EQ(table.active_member(b()), nullptr);
  EXPECT_EQ(table.dialog_member(b()), &b().primary);
  b().primary.state = member_state::out_of_service;
  EXPECT_EQ(table.active_member(b()), nullptr);
  EXPECT_EQ(table.dialog_member(b()), nullptr);
}

TEST_F(server_table_test, pair_of_udp_needs_ip_and_port) {
  using transport::protocol;
  EXPECT_EQ(table.pair_of(peer_at(protocol::udp, "10.0.0.1", 5070), 0), &a());
  EXPECT_EQ(table.pair_of(peer_at(protocol::udp, "10.0.0.2", 5070), 0), &a());
  EXPECT_EQ(table.pair_of(peer_at(protocol::udp, "10.0.0.1", 5090), 0)->name, "C");
  // Right IP, wrong port: UDP does not look at Via.
  EXPECT_EQ(table.pair_of(peer_at(protocol::udp, "10.0.0.1", 40000), 5070), nullptr);
  EXPECT_EQ(table.pair_of(peer_at(protocol::udp, "10.0.0.9", 5070), 5070), nullptr);
}

TEST_F(server_table_test, pair_of_tcp_uses_the_via_port) {
  using transport::protocol;
  // Ephemeral source port: the Via sent-by port names the member.
  EXPECT_EQ(table.pair_of(peer_at(protocol::tcp, "10.0.0.3", 43210), 5080), &b());
  EXPECT_EQ(table.pair_of(peer_at(protocol::tcp, "10.0.0.1", 43210), 5090)->name, "C");
  EXPECT_EQ(table.pair_of(peer_at(protocol::tcp, "10.0.0.1", 43210), 5070), &a());
  EXPECT_EQ(table.pair_of(peer_at(protocol::tcp, "10.0.0.3", 43210), 5081), nullptr);
  EXPECT_EQ(table.pair_of(peer_at(protocol::tcp, "10.0.0.4", 43210), 5080), nullptr);
  // Source address:port itself matches too.
  EXPECT_EQ(table.pair_of(peer_at(protocol::tcp, "10.0.0.3", 5080), 1234), &b());
}

TEST_F(server_table_test, pair_of_tcp_without_via_port_means_5060) {
  server_table t{std::vector<server_pair>{[] {
    server_pair p;
    p.name = "D";
    p.primary = member_at("10.0.0.5", 5060, true);
    return p;
  }()}};
  EXPECT_EQ(t.pair_of(peer_at(transport::protocol::tcp, "10.0.0.5", 40000), 0)->name, "D");
  EXPECT_EQ(t.pair_of(peer_at(transport::protocol::udp, "10.0.0.5", 40000), 0), nullptr);
}

TEST_F(server_table_test, pair_at) {
  boost::asio::ip::address ip;
  ASSERT_TRUE(transport::parse_ip("10.0.0.2", ip));
  EXPECT_EQ(table.pair_at(ip, 5070), &a());
  EXPECT_EQ(table.pair_at(ip, 5071), nullptr);
}

}  // namespace
}  // namespace sipproxy::routing
