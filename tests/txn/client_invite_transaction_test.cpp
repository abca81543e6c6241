#include "txn/client_invite_transaction.hpp"

#include <gtest/gtest.h>

#include "layer_fixture.hpp"
#include "sip/name_addr.hpp"

namespace sipproxy::txn::test {
namespace {

constexpr std::string_view our_via = "SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKspcli.1";

class client_invite : public layer_test {
 protected:
  using layer_test::layer_test;

  txn_id send_invite(transport::protocol proto = transport::protocol::udp) {
    server = make_peer(proto, "198.51.100.1", 5060);
    std::string via(our_via);
    if (proto == transport::protocol::tcp) via.replace(via.find("UDP"), 3, "TCP");
    invite = must_parse(request("INVITE", via));
    txn_id id = layer.create_request(invite, server);
    EXPECT_NE(id, 0u);
    layer.start(id);
    return id;
  }
  void receive(int status, std::string_view reason, std::string_view method = "INVITE",
               std::string_view to_tag = "b0b") {
    std::string via(invite->value(sip::header_id::via));
    layer.on_message(response(status, reason, method, via, to_tag), server);
  }
  sip::message_ptr invite;
  transport::peer server;
};

TEST_F(client_invite, start_sends_the_request_to_the_peer) {
  send_invite();
  ASSERT_EQ(sent_count(), 1u);
  EXPECT_EQ(method_of(last_sent().bytes), "INVITE");
  EXPECT_EQ(last_sent().to.address.to_string(), "198.51.100.1");
  EXPECT_EQ(last_sent().to.port, 5060);
  EXPECT_EQ(layer.client_count(), 1u);
}

TEST_F(client_invite, timer_a_doubles_from_t1) {
  send_invite();
  std::string first = last_sent().bytes;
  advance(499ms);
  EXPECT_EQ(sent_count(), 1u);
  advance(1ms);  // 0.5 s
  EXPECT_EQ(sent_count(), 2u);
  advance(999ms);
  EXPECT_EQ(sent_count(), 2u);
  advance(1ms);  // 1.5 s
  EXPECT_EQ(sent_count(), 3u);
  advance(2s);  // 3.5 s
  EXPECT_EQ(sent_count(), 4u);
  advance(4s);  // 7.5 s
  EXPECT_EQ(sent_count(), 5u);
  advance(8s);  // 15.5 s: Timer A is not capped at T2
  EXPECT_EQ(sent_count(), 6u);
  advance(16s);  // 31.5 s
  EXPECT_EQ(sent_count(), 7u);
  for (const auto& s : sender.sent) {
    EXPECT_EQ(s.bytes, first);
    EXPECT_EQ(s.to.port, 5060);
  }
  EXPECT_TRUE(tu.failures.empty());
}

TEST_F(client_invite, timer_b_reports_408) {
  txn_id id = send_invite();
  advance(31999ms);
  EXPECT_TRUE(tu.failures.empty());
  advance(1ms);
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0], std::make_pair(id, 408));
  EXPECT_EQ(layer.client_count(), 0u);
  std::size_t sends = sent_count();
  advance(60s);
  EXPECT_EQ(sent_count(), sends);
  EXPECT_EQ(tu.failures.size(), 1u);
}

TEST_F(client_invite, provisional_stops_timer_a_and_b) {
  send_invite();
  receive(180, "Ringing");
  ASSERT_EQ(tu.responses.size(), 1u);
  EXPECT_EQ(tu.responses[0].msg->status(), 180);
  advance(60s);
  EXPECT_EQ(sent_count(), 1u);
  EXPECT_TRUE(tu.failures.empty());
}

TEST_F(client_invite, non_2xx_final_is_acked_with_same_branch_and_to_tag) {
  txn_id id = send_invite();
  receive(486, "Busy Here");
  ASSERT_EQ(tu.responses.size(), 1u);
  EXPECT_EQ(tu.responses[0].client, id);
  EXPECT_EQ(tu.responses[0].msg->status(), 486);
  ASSERT_EQ(sent_count(), 2u);
  EXPECT_EQ(last_sent().to.address.to_string(), "198.51.100.1");
  auto ack = must_parse(last_sent().bytes);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->method(), "ACK");
  EXPECT_EQ(ack->request_uri(), invite->request_uri());
  EXPECT_EQ(ack->count(sip::header_id::via), 1u);
  auto v = sip::parse_via(ack->value(sip::header_id::via));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->branch(), "z9hG4bKspcli.1");
  EXPECT_EQ(sip::tag_of(ack->value(sip::header_id::to)), "b0b");
  EXPECT_EQ(ack->value(sip::header_id::cseq), "1 ACK");
  EXPECT_EQ(ack->value(sip::header_id::call_id), "call-1");
}

TEST_F(client_invite, retransmitted_final_resends_ack_but_tu_hears_once) {
  send_invite();
  receive(486, "Busy Here");
  ASSERT_EQ(sent_count(), 2u);
  std::string ack = last_sent().bytes;
  receive(486, "Busy Here");
  ASSERT_EQ(sent_count(), 3u);
  EXPECT_EQ(last_sent().bytes, ack);
  receive(486, "Busy Here");
  EXPECT_EQ(sent_count(), 4u);
  EXPECT_EQ(tu.responses.size(), 1u);
}

TEST_F(client_invite, timer_d_ends_completed_over_udp) {
  send_invite();
  receive(486, "Busy Here");
  EXPECT_EQ(layer.client_count(), 1u);
  advance(32s);
  EXPECT_EQ(layer.client_count(), 0u);
  EXPECT_TRUE(tu.failures.empty());
  EXPECT_EQ(sent_count(), 2u);  // no INVITE retransmission after the final
}

TEST_F(client_invite, two_hundred_is_not_acked_and_retransmissions_reach_the_tu) {
  send_invite();
  receive(200, "OK");
  EXPECT_EQ(sent_count(), 1u);  // the 2xx ACK is the UAC's business
  receive(200, "OK");
  ASSERT_EQ(tu.responses.size(), 2u);  // RFC 6026: every 2xx goes end to end
  EXPECT_EQ(tu.responses[1].msg->status(), 200);
  advance(32s);  // Timer M
  EXPECT_EQ(layer.client_count(), 0u);
  EXPECT_EQ(sent_count(), 1u);
}

// Accepted and Completed only absorb retransmissions: the request goes (at 1000 calls per
// second some 32,000 INVITE client transactions wait out Timer M at once), and a late
// CANCEL finds nothing to cancel.
TEST_F(client_invite, final_response_releases_the_request) {
  txn_id id = send_invite();
  EXPECT_GT(invite.use_count(), 1);
  receive(200, "OK");
  EXPECT_EQ(invite.use_count(), 1);  // this test's reference only
  layer.cancel(id);
  advance(1s);
  EXPECT_EQ(sent_count(), 1u);  // no CANCEL, no INVITE retransmission
  receive(200, "OK");
  EXPECT_EQ(tu.responses.size(), 2u);
}

TEST_F(client_invite, non_2xx_final_releases_the_request_but_keeps_its_ack) {
  send_invite();
  receive(486, "Busy Here");
  EXPECT_EQ(invite.use_count(), 1);
  std::string ack = last_sent().bytes;
  receive(486, "Busy Here");
  EXPECT_EQ(last_sent().bytes, ack);
}

TEST_F(client_invite, cancel_before_provisional_waits_for_one) {
  txn_id id = send_invite();
  layer.cancel(id);
  EXPECT_EQ(sent_count(), 1u);  // RFC 3261 §9.1: no CANCEL before a provisional
  receive(180, "Ringing");
  ASSERT_EQ(sent_count(), 2u);
  auto cancel = must_parse(last_sent().bytes);
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->method(), "CANCEL");
  EXPECT_EQ(cancel->request_uri(), invite->request_uri());
  auto v = sip::parse_via(cancel->value(sip::header_id::via));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->branch(), "z9hG4bKspcli.1");
  EXPECT_EQ(cancel->value(sip::header_id::cseq), "1 CANCEL");
  EXPECT_EQ(last_sent().to.address.to_string(), "198.51.100.1");
  EXPECT_EQ(tu.responses.size(), 1u);
}

TEST_F(client_invite, cancel_after_provisional_is_sent_at_once) {
  txn_id id = send_invite();
  receive(180, "Ringing");
  ASSERT_EQ(sent_count(), 1u);
  layer.cancel(id);
  ASSERT_EQ(sent_count(), 2u);
  auto cancel = must_parse(last_sent().bytes);
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->method(), "CANCEL");
  auto v = sip::parse_via(cancel->value(sip::header_id::via));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->branch(), "z9hG4bKspcli.1");
  layer.cancel(id);  // a second cancel() sends nothing more
  EXPECT_EQ(sent_count(), 2u);
}

TEST_F(client_invite, response_to_our_cancel_is_absorbed_and_487_is_acked) {
  txn_id id = send_invite();
  receive(180, "Ringing");
  layer.cancel(id);
  ASSERT_EQ(sent_count(), 2u);
  receive(200, "OK", "CANCEL", "");
  EXPECT_EQ(tu.responses.size(), 1u);  // only the 180
  EXPECT_TRUE(tu.strays.empty());
  receive(487, "Request Terminated");
  ASSERT_EQ(tu.responses.size(), 2u);
  EXPECT_EQ(tu.responses[1].msg->status(), 487);
  ASSERT_EQ(sent_count(), 3u);
  EXPECT_EQ(method_of(last_sent().bytes), "ACK");
}

TEST_F(client_invite, cancel_retransmitted_on_timer_e) {
  txn_id id = send_invite();
  receive(180, "Ringing");
  layer.cancel(id);
  ASSERT_EQ(sent_count(), 2u);
  advance(500ms);
  ASSERT_EQ(sent_count(), 3u);
  EXPECT_EQ(method_of(last_sent().bytes), "CANCEL");
}

TEST_F(client_invite, over_tcp_no_retransmissions_and_timer_b) {
  txn_id id = send_invite(transport::protocol::tcp);
  advance(31999ms);
  EXPECT_EQ(sent_count(), 1u);
  EXPECT_TRUE(tu.failures.empty());
  advance(1ms);
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0], std::make_pair(id, 408));
}

TEST_F(client_invite, over_tcp_final_is_acked_and_transaction_ends) {
  send_invite(transport::protocol::tcp);
  receive(486, "Busy Here");
  ASSERT_EQ(sent_count(), 2u);
  EXPECT_EQ(method_of(last_sent().bytes), "ACK");
  EXPECT_EQ(tu.responses.size(), 1u);
  EXPECT_EQ(layer.client_count(), 0u);
}

TEST_F(client_invite, over_tcp_response_to_our_cancel_is_absorbed) {
  txn_id id = send_invite(transport::protocol::tcp);
  receive(180, "Ringing");
  layer.cancel(id);
  ASSERT_EQ(sent_count(), 2u);
  EXPECT_EQ(method_of(last_sent().bytes), "CANCEL");
  receive(200, "OK", "CANCEL", "");
  // The 200 to a CANCEL the layer originated is not the TU's business (as over UDP).
  ASSERT_EQ(tu.responses.size(), 1u);
  EXPECT_EQ(tu.responses[0].msg->status(), 180);
}

TEST_F(client_invite, send_failure_at_start_reports_503) {
  sender.fail = true;
  txn_id id = send_invite();
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0], std::make_pair(id, 503));
  // Removed right after the TU's call returns (never under it).
  advance(0ms);
  EXPECT_EQ(layer.client_count(), 0u);
  advance(60s);
  EXPECT_EQ(sent_count(), 1u);
}

TEST_F(client_invite, transport_error_reports_503) {
  txn_id id = send_invite(transport::protocol::tcp);
  layer.on_send_failed(server);
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0], std::make_pair(id, 503));
  EXPECT_EQ(layer.client_count(), 0u);
}

TEST_F(client_invite, same_branch_twice_is_refused) {
  send_invite();
  EXPECT_EQ(layer.create_request(invite, server), 0u);
}

timer_config short_timer_c() {
  timer_config t;
  t.timer_c = std::chrono::seconds(10);
  return t;
}

class client_invite_timer_c : public client_invite {
 protected:
  client_invite_timer_c() : client_invite(short_timer_c()) {}
};

TEST_F(client_invite_timer_c, timer_c_cancels_then_gives_up_with_408) {
  txn_id id = send_invite();
  receive(180, "Ringing");
  advance(9999ms);
  EXPECT_EQ(sent_count(), 1u);
  advance(1ms);
  ASSERT_EQ(sent_count(), 2u);
  EXPECT_EQ(method_of(last_sent().bytes), "CANCEL");
  EXPECT_TRUE(tu.failures.empty());
  receive(200, "OK", "CANCEL", "");
  advance(32s);
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0], std::make_pair(id, 408));
}

TEST_F(client_invite_timer_c, provisional_restarts_timer_c) {
  send_invite();
  receive(180, "Ringing");
  advance(9s);
  receive(183, "Session Progress");
  advance(9s);
  EXPECT_EQ(sent_count(), 1u);  // no CANCEL yet: Timer C restarted at 9 s
  advance(1s);
  EXPECT_EQ(sent_count(), 2u);
  EXPECT_EQ(method_of(last_sent().bytes), "CANCEL");
}

}  // namespace
}  // namespace sipproxy::txn::test
