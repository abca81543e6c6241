#include "txn/client_non_invite_transaction.hpp"

#include <gtest/gtest.h>

#include "layer_fixture.hpp"

namespace sipproxy::txn::test {
namespace {

constexpr std::string_view our_via = "SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKspopt.1";

class client_non_invite : public layer_test {
 protected:
  txn_id send_options(transport::protocol proto = transport::protocol::udp) {
    server = make_peer(proto, "198.51.100.1", 5060);
    options = must_parse(request("OPTIONS", our_via));
    txn_id id = layer.create_request(options, server);
    EXPECT_NE(id, 0u);
    layer.start(id);
    return id;
  }
  void receive(int status, std::string_view reason) {
    layer.on_message(response(status, reason, "OPTIONS", our_via, "s1"), server);
  }
  sip::message_ptr options;
  transport::peer server;
};

TEST_F(client_non_invite, timer_e_doubles_up_to_t2) {
  send_options();
  ASSERT_EQ(sent_count(), 1u);
  std::string first = last_sent().bytes;
  EXPECT_EQ(method_of(first), "OPTIONS");
  advance(499ms);
  EXPECT_EQ(sent_count(), 1u);
  advance(1ms);  // 0.5
  EXPECT_EQ(sent_count(), 2u);
  advance(1s);  // 1.5
  EXPECT_EQ(sent_count(), 3u);
  advance(2s);  // 3.5
  EXPECT_EQ(sent_count(), 4u);
  advance(4s);  // 7.5: T2
  EXPECT_EQ(sent_count(), 5u);
  advance(3999ms);
  EXPECT_EQ(sent_count(), 5u);
  advance(1ms);  // 11.5: still T2
  EXPECT_EQ(sent_count(), 6u);
  for (const auto& s : sender.sent) EXPECT_EQ(s.bytes, first);
}

TEST_F(client_non_invite, timer_f_reports_408) {
  txn_id id = send_options();
  advance(31999ms);
  EXPECT_TRUE(tu.failures.empty());
  EXPECT_EQ(sent_count(), 11u);  // 0, .5, 1.5, 3.5, 7.5, 11.5 ... 31.5 s
  advance(1ms);
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0], std::make_pair(id, 408));
  EXPECT_EQ(layer.client_count(), 0u);
  advance(60s);
  EXPECT_EQ(sent_count(), 11u);
}

TEST_F(client_non_invite, provisional_switches_timer_e_to_t2) {
  send_options();
  receive(100, "Trying");
  ASSERT_EQ(tu.responses.size(), 1u);
  advance(500ms);  // the pending Timer E still fires at T1
  EXPECT_EQ(sent_count(), 2u);
  advance(3999ms);
  EXPECT_EQ(sent_count(), 2u);
  advance(1ms);  // then every T2
  EXPECT_EQ(sent_count(), 3u);
}

TEST_F(client_non_invite, final_stops_retransmissions_and_timer_k_ends_it) {
  txn_id id = send_options();
  receive(200, "OK");
  ASSERT_EQ(tu.responses.size(), 1u);
  EXPECT_EQ(tu.responses[0].client, id);
  EXPECT_EQ(tu.responses[0].msg->status(), 200);
  receive(200, "OK");  // retransmission: absorbed
  EXPECT_EQ(tu.responses.size(), 1u);
  EXPECT_EQ(layer.client_count(), 1u);
  advance(5s);  // T4
  EXPECT_EQ(layer.client_count(), 0u);
  EXPECT_EQ(sent_count(), 1u);
  EXPECT_TRUE(tu.failures.empty());
}

TEST_F(client_non_invite, over_tcp_no_retransmissions) {
  txn_id id = send_options(transport::protocol::tcp);
  advance(31999ms);
  EXPECT_EQ(sent_count(), 1u);
  advance(1ms);
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0], std::make_pair(id, 408));
}

TEST_F(client_non_invite, over_tcp_final_is_delivered_once_and_ends_it) {
  txn_id id = send_options(transport::protocol::tcp);
  receive(200, "OK");
  ASSERT_EQ(tu.responses.size(), 1u);
  EXPECT_EQ(tu.responses[0].client, id);
  EXPECT_EQ(layer.client_count(), 0u);
}

TEST_F(client_non_invite, send_failure_reports_503) {
  sender.fail = true;
  txn_id id = send_options();
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0], std::make_pair(id, 503));
}

}  // namespace
}  // namespace sipproxy::txn::test
