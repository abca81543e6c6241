#include "txn/server_invite_transaction.hpp"

#include <gtest/gtest.h>

#include "layer_fixture.hpp"
#include "sip/response_builder.hpp"

namespace sipproxy::txn::test {
namespace {

constexpr std::string_view ua_via = "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKinv1";

class server_invite : public layer_test {
 protected:
  // The INVITE arrives from the UA's port 40000 (not its sent-by port 5062).
  txn_id receive_invite(transport::protocol proto = transport::protocol::udp) {
    from = make_peer(proto, "192.0.2.10", 40000);
    layer.on_message(request("INVITE", ua_via), from);
    EXPECT_EQ(tu.requests.size(), 1u);
    return tu.requests.empty() ? 0 : tu.requests.back().server;
  }
  std::string reply(int status, std::string_view to_tag = "srv") {
    return sip::build_response(*tu.requests.back().msg, status, {}, to_tag);
  }
  std::string ack_for_non_2xx() {
    return request("ACK", ua_via, "srv");  // same branch as the INVITE
  }
  transport::peer from;
};

TEST_F(server_invite, new_invite_reaches_the_tu_once) {
  txn_id id = receive_invite();
  EXPECT_NE(id, 0u);
  EXPECT_EQ(tu.requests[0].msg->method(), "INVITE");
  EXPECT_EQ(layer.server_count(), 1u);
  EXPECT_EQ(layer.pending_server_count(), 1u);
  EXPECT_FALSE(layer.server_final_sent(id));
  EXPECT_EQ(sent_count(), 0u);
}

TEST_F(server_invite, responses_go_to_source_address_and_sent_by_port) {
  txn_id id = receive_invite();
  layer.respond(id, 180, reply(180));
  ASSERT_EQ(sent_count(), 1u);
  EXPECT_EQ(last_sent().to.address.to_string(), "192.0.2.10");
  EXPECT_EQ(last_sent().to.port, 5062);  // RFC 3261 §18.2.2: no rport, so the sent-by port
  EXPECT_EQ(last_sent().to.proto, transport::protocol::udp);
}

TEST_F(server_invite, retransmitted_invite_resends_last_provisional) {
  txn_id id = receive_invite();
  layer.respond(id, 100, reply(100));
  layer.respond(id, 180, reply(180));
  ASSERT_EQ(sent_count(), 2u);
  layer.on_message(request("INVITE", ua_via), from);
  ASSERT_EQ(sent_count(), 3u);
  EXPECT_EQ(status_of(last_sent().bytes), 180);
  EXPECT_EQ(last_sent().bytes, sender.sent[1].bytes);
  EXPECT_EQ(tu.requests.size(), 1u);  // absorbed
  EXPECT_EQ(layer.counters().retransmissions_absorbed, 1u);
}

TEST_F(server_invite, retransmitted_invite_before_any_response_sends_nothing) {
  receive_invite();
  layer.on_message(request("INVITE", ua_via), from);
  EXPECT_EQ(sent_count(), 0u);
  EXPECT_EQ(tu.requests.size(), 1u);
}

TEST_F(server_invite, final_error_is_retransmitted_on_timer_g_with_backoff) {
  txn_id id = receive_invite();
  std::string busy = reply(486);
  layer.respond(id, 486, busy);
  ASSERT_EQ(sent_count(), 1u);
  EXPECT_TRUE(layer.server_final_sent(id));
  EXPECT_EQ(layer.pending_server_count(), 0u);
  advance(499ms);
  EXPECT_EQ(sent_count(), 1u);
  advance(1ms);  // T1
  EXPECT_EQ(sent_count(), 2u);
  advance(999ms);
  EXPECT_EQ(sent_count(), 2u);
  advance(1ms);  // + 2*T1
  EXPECT_EQ(sent_count(), 3u);
  advance(2000ms);  // + 4*T1
  EXPECT_EQ(sent_count(), 4u);
  advance(4000ms);  // + T2
  EXPECT_EQ(sent_count(), 5u);
  advance(3999ms);  // capped at T2
  EXPECT_EQ(sent_count(), 5u);
  advance(1ms);
  EXPECT_EQ(sent_count(), 6u);
  for (const auto& s : sender.sent) {
    EXPECT_EQ(s.bytes, busy);
    EXPECT_EQ(s.to.port, 5062);
  }
}

TEST_F(server_invite, ack_stops_timer_g_and_is_absorbed) {
  txn_id id = receive_invite();
  layer.respond(id, 486, reply(486));
  advance(500ms);
  ASSERT_EQ(sent_count(), 2u);
  layer.on_message(ack_for_non_2xx(), from);
  EXPECT_TRUE(tu.acks.empty());
  EXPECT_EQ(tu.requests.size(), 1u);
  advance(20s);
  EXPECT_EQ(sent_count(), 2u);
}

TEST_F(server_invite, retransmitted_ack_in_confirmed_is_absorbed) {
  txn_id id = receive_invite();
  layer.respond(id, 486, reply(486));
  layer.on_message(ack_for_non_2xx(), from);
  layer.on_message(ack_for_non_2xx(), from);
  EXPECT_TRUE(tu.acks.empty());
  EXPECT_EQ(sent_count(), 1u);
}

TEST_F(server_invite, timer_i_ends_the_confirmed_transaction) {
  txn_id id = receive_invite();
  layer.respond(id, 486, reply(486));
  layer.on_message(ack_for_non_2xx(), from);
  EXPECT_TRUE(tu.gone.empty());
  advance(5s);  // T4
  ASSERT_EQ(tu.gone.size(), 1u);
  EXPECT_EQ(tu.gone[0], id);
  EXPECT_EQ(layer.server_count(), 0u);
}

TEST_F(server_invite, timer_h_terminates_without_ack) {
  txn_id id = receive_invite();
  layer.respond(id, 486, reply(486));
  advance(31999ms);
  EXPECT_TRUE(tu.gone.empty());
  EXPECT_EQ(layer.server_count(), 1u);
  std::size_t sends = sent_count();
  EXPECT_EQ(sends, 11u);  // 0, .5, 1.5, 3.5, 7.5, 11.5 ... 31.5 s
  advance(1ms);           // 64*T1
  ASSERT_EQ(tu.gone.size(), 1u);
  EXPECT_EQ(tu.gone[0], id);
  EXPECT_EQ(layer.server_count(), 0u);
  advance(60s);
  EXPECT_EQ(sent_count(), sends);
  EXPECT_EQ(tu.gone.size(), 1u);
}

TEST_F(server_invite, late_ack_after_timer_h_goes_to_the_tu) {
  txn_id id = receive_invite();
  layer.respond(id, 486, reply(486));
  advance(32s);
  ASSERT_EQ(tu.gone.size(), 1u);
  layer.on_message(ack_for_non_2xx(), from);
  EXPECT_EQ(tu.acks.size(), 1u);
}

TEST_F(server_invite, over_tcp_no_timer_g) {
  txn_id id = receive_invite(transport::protocol::tcp);
  layer.respond(id, 486, reply(486));
  advance(31999ms);
  EXPECT_EQ(sent_count(), 1u);
  EXPECT_TRUE(tu.gone.empty());
  advance(1ms);
  EXPECT_EQ(tu.gone.size(), 1u);
}

TEST_F(server_invite, over_tcp_ack_ends_it_at_once) {
  txn_id id = receive_invite(transport::protocol::tcp);
  layer.respond(id, 486, reply(486));
  layer.on_message(ack_for_non_2xx(), from);
  ASSERT_EQ(tu.gone.size(), 1u);
  EXPECT_EQ(tu.gone[0], id);
  EXPECT_TRUE(tu.acks.empty());
}

TEST_F(server_invite, second_final_response_is_not_sent) {
  txn_id id = receive_invite();
  layer.respond(id, 486, reply(486));
  layer.respond(id, 603, reply(603));
  ASSERT_EQ(sent_count(), 1u);
  EXPECT_EQ(status_of(last_sent().bytes), 486);
}

TEST_F(server_invite, retransmitted_invite_after_final_resends_final) {
  txn_id id = receive_invite();
  layer.respond(id, 180, reply(180));
  layer.respond(id, 486, reply(486));
  layer.on_message(request("INVITE", ua_via), from);
  ASSERT_EQ(sent_count(), 3u);
  EXPECT_EQ(status_of(last_sent().bytes), 486);
}

TEST_F(server_invite, two_hundred_moves_to_accepted_and_retransmitted_2xx_still_sent) {
  txn_id id = receive_invite();
  std::string ok = reply(200);
  layer.respond(id, 200, ok);
  ASSERT_EQ(sent_count(), 1u);
  EXPECT_TRUE(layer.server_final_sent(id));
  layer.respond(id, 200, ok);  // the UAS retransmits its 2xx; it passes through (RFC 6026)
  ASSERT_EQ(sent_count(), 2u);
  EXPECT_EQ(last_sent().bytes, ok);
  // A non-2xx after the 2xx is not sent.
  layer.respond(id, 500, reply(500));
  EXPECT_EQ(sent_count(), 2u);
}

TEST_F(server_invite, accepted_absorbs_retransmitted_invite_without_resending) {
  txn_id id = receive_invite();
  layer.respond(id, 200, reply(200));
  layer.on_message(request("INVITE", ua_via), from);
  EXPECT_EQ(sent_count(), 1u);
  EXPECT_EQ(tu.requests.size(), 1u);
}

TEST_F(server_invite, ack_for_2xx_goes_to_the_tu) {
  txn_id id = receive_invite();
  layer.respond(id, 200, reply(200));
  // The 2xx ACK is its own transaction with a new branch (RFC 3261 §17.1.1.3).
  layer.on_message(request("ACK", "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKack2", "srv"), from);
  ASSERT_EQ(tu.acks.size(), 1u);
  EXPECT_EQ(tu.acks[0].first->method(), "ACK");
  // Even one that reuses the INVITE's branch is end to end after a 2xx.
  layer.on_message(ack_for_non_2xx(), from);
  EXPECT_EQ(tu.acks.size(), 2u);
  EXPECT_EQ(sent_count(), 1u);
}

TEST_F(server_invite, timer_l_ends_accepted) {
  txn_id id = receive_invite();
  layer.respond(id, 200, reply(200));
  advance(31999ms);
  EXPECT_TRUE(tu.gone.empty());
  advance(1ms);
  ASSERT_EQ(tu.gone.size(), 1u);
  EXPECT_EQ(tu.gone[0], id);
  EXPECT_EQ(sent_count(), 1u);  // no retransmission of the 2xx by the transaction
}

TEST_F(server_invite, respond_to_a_gone_transaction_is_a_no_op) {
  txn_id id = receive_invite();
  layer.respond(id, 486, reply(486));
  advance(32s);
  std::size_t sends = sent_count();
  layer.respond(id, 200, reply(200));
  EXPECT_EQ(sent_count(), sends);
  EXPECT_TRUE(layer.server_final_sent(id));
}

TEST_F(server_invite, cancel_reaches_tu_with_the_invite_transaction) {
  txn_id id = receive_invite();
  layer.on_message(request("CANCEL", ua_via), from);
  ASSERT_EQ(tu.cancels.size(), 1u);
  EXPECT_EQ(tu.cancels[0].invite_server, id);
  EXPECT_NE(tu.cancels[0].cancel_server, id);
  EXPECT_EQ(tu.cancels[0].msg->method(), "CANCEL");
  EXPECT_EQ(tu.requests.size(), 1u);
}

TEST_F(server_invite, cancel_without_invite_names_none) {
  from = make_peer(transport::protocol::udp, "192.0.2.10", 40000);
  layer.on_message(request("CANCEL", ua_via), from);
  ASSERT_EQ(tu.cancels.size(), 1u);
  EXPECT_EQ(tu.cancels[0].invite_server, 0u);
}

}  // namespace
}  // namespace sipproxy::txn::test
