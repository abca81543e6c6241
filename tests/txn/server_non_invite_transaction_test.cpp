#include "txn/server_non_invite_transaction.hpp"

#include <gtest/gtest.h>

#include "layer_fixture.hpp"
#include "sip/response_builder.hpp"

namespace sipproxy::txn::test {
namespace {

constexpr std::string_view ua_via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKbye1";

class server_non_invite : public layer_test {
 protected:
  txn_id receive(transport::protocol proto = transport::protocol::udp) {
    from = make_peer(proto, "192.0.2.10", 5060);
    layer.on_message(request("BYE", ua_via, "b1"), from);
    EXPECT_EQ(tu.requests.size(), 1u);
    return tu.requests.empty() ? 0 : tu.requests.back().server;
  }
  std::string reply(int status) {
    return sip::build_response(*tu.requests.back().msg, status, {}, "b1");
  }
  transport::peer from;
};

TEST_F(server_non_invite, retransmission_answered_with_last_final) {
  txn_id id = receive();
  std::string ok = reply(200);
  layer.respond(id, 200, ok);
  ASSERT_EQ(sent_count(), 1u);
  layer.on_message(request("BYE", ua_via, "b1"), from);
  ASSERT_EQ(sent_count(), 2u);
  EXPECT_EQ(last_sent().bytes, ok);
  layer.on_message(request("BYE", ua_via, "b1"), from);
  EXPECT_EQ(sent_count(), 3u);
  EXPECT_EQ(tu.requests.size(), 1u);
  EXPECT_EQ(layer.counters().retransmissions_absorbed, 2u);
}

TEST_F(server_non_invite, retransmission_in_trying_is_absorbed_silently) {
  receive();
  layer.on_message(request("BYE", ua_via, "b1"), from);
  EXPECT_EQ(sent_count(), 0u);
  EXPECT_EQ(tu.requests.size(), 1u);
}

TEST_F(server_non_invite, retransmission_in_proceeding_gets_the_provisional) {
  txn_id id = receive();
  layer.respond(id, 100, reply(100));
  layer.on_message(request("BYE", ua_via, "b1"), from);
  ASSERT_EQ(sent_count(), 2u);
  EXPECT_EQ(status_of(last_sent().bytes), 100);
}

TEST_F(server_non_invite, only_the_first_final_is_sent) {
  txn_id id = receive();
  layer.respond(id, 200, reply(200));
  layer.respond(id, 500, reply(500));
  ASSERT_EQ(sent_count(), 1u);
  EXPECT_EQ(status_of(last_sent().bytes), 200);
}

TEST_F(server_non_invite, timer_j_over_udp) {
  txn_id id = receive();
  layer.respond(id, 200, reply(200));
  EXPECT_EQ(layer.server_count(), 1u);
  advance(31999ms);
  EXPECT_TRUE(tu.gone.empty());
  advance(1ms);
  ASSERT_EQ(tu.gone.size(), 1u);
  EXPECT_EQ(tu.gone[0], id);
  EXPECT_EQ(layer.server_count(), 0u);
  EXPECT_EQ(sent_count(), 1u);  // a final is never retransmitted on a timer
}

TEST_F(server_non_invite, over_tcp_ends_with_the_final) {
  txn_id id = receive(transport::protocol::tcp);
  layer.respond(id, 200, reply(200));
  // Not under the TU's own call (it may still hold its state for this transaction)...
  EXPECT_TRUE(tu.gone.empty());
  // ...but right after it.
  advance(0ms);
  ASSERT_EQ(tu.gone.size(), 1u);
  EXPECT_EQ(tu.gone[0], id);
  EXPECT_EQ(layer.server_count(), 0u);
}

TEST_F(server_non_invite, pending_until_final) {
  txn_id id = receive();
  EXPECT_EQ(layer.pending_server_count(), 1u);
  layer.respond(id, 100, reply(100));
  EXPECT_FALSE(layer.server_final_sent(id));
  layer.respond(id, 200, reply(200));
  EXPECT_TRUE(layer.server_final_sent(id));
  EXPECT_EQ(layer.pending_server_count(), 0u);
}

}  // namespace
}  // namespace sipproxy::txn::test
