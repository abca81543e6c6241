#include "txn/transaction_layer.hpp"

#include <gtest/gtest.h>

#include "layer_fixture.hpp"

namespace sipproxy::txn::test {
namespace {

class txn_layer : public layer_test {};

TEST_F(txn_layer, response_without_transaction_is_stray) {
  layer.on_message(response(200, "OK", "INVITE", "SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKnone"),
                   make_peer(transport::protocol::udp, "198.51.100.1", 5060));
  ASSERT_EQ(tu.strays.size(), 1u);
  EXPECT_EQ(tu.strays[0]->status(), 200);
  EXPECT_EQ(layer.counters().stray_responses, 1u);
  EXPECT_TRUE(tu.responses.empty());
  EXPECT_EQ(sent_count(), 0u);
}

TEST_F(txn_layer, response_matching_branch_but_other_method_is_stray) {
  auto options = must_parse(request("OPTIONS", "SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKx"));
  auto peer = make_peer(transport::protocol::udp, "198.51.100.1", 5060);
  txn_id id = layer.create_request(options, peer);
  layer.start(id);
  layer.on_message(response(200, "OK", "INVITE", "SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKx"), peer);
  EXPECT_EQ(tu.strays.size(), 1u);
  EXPECT_TRUE(tu.responses.empty());
}

TEST_F(txn_layer, unparsable_request_gets_400_at_the_source_port_with_rport) {
  std::string bad = request("INVITE", "SIP/2.0/UDP 10.1.1.1:5062;rport;branch=z9hG4bKbad");
  bad.replace(bad.find("CSeq: 1 INVITE"), 14, "CSeq: 1 BYE");
  auto from = make_peer(transport::protocol::udp, "192.0.2.10", 40000);
  layer.on_message(bad, from);
  EXPECT_TRUE(tu.requests.empty());
  ASSERT_EQ(sent_count(), 1u);
  EXPECT_EQ(last_sent().to.address.to_string(), "192.0.2.10");
  EXPECT_EQ(last_sent().to.port, 40000);
  auto rsp = must_parse(last_sent().bytes);
  ASSERT_TRUE(rsp);
  EXPECT_EQ(rsp->status(), 400);
  EXPECT_EQ(rsp->reason(), "CSeq method does not match Request-Line");
  EXPECT_EQ(rsp->value(sip::header_id::call_id), "call-1");
  EXPECT_EQ(layer.counters().rejected_malformed, 1u);
}

TEST_F(txn_layer, unparsable_request_without_rport_gets_400_at_the_sent_by_port) {
  std::string bad = request("OPTIONS", "SIP/2.0/UDP 10.1.1.1:5062;branch=z9hG4bKbad");
  bad.replace(bad.find("Max-Forwards: 70"), 16, "Max-Forwards: many");
  auto from = make_peer(transport::protocol::udp, "192.0.2.10", 40000);
  layer.on_message(bad, from);
  ASSERT_EQ(sent_count(), 1u);
  EXPECT_EQ(last_sent().to.address.to_string(), "192.0.2.10");
  EXPECT_EQ(last_sent().to.port, 5062);
  EXPECT_EQ(status_of(last_sent().bytes), 400);
}

TEST_F(txn_layer, unparsable_ack_is_not_answered) {
  std::string bad = request("ACK", "SIP/2.0/UDP 10.1.1.1:5062;branch=z9hG4bKbad");
  bad.replace(bad.find("CSeq: 1 ACK"), 11, "CSeq: 1 BYE");
  layer.on_message(bad, make_peer(transport::protocol::udp, "192.0.2.10", 5062));
  EXPECT_EQ(sent_count(), 0u);
  EXPECT_TRUE(tu.acks.empty());
}

TEST_F(txn_layer, request_with_malformed_via_is_not_answered) {
  std::string bad = request("OPTIONS", "SIP/2.0/UDP");
  layer.on_message(bad, make_peer(transport::protocol::udp, "192.0.2.10", 5062));
  EXPECT_EQ(sent_count(), 0u);
  EXPECT_TRUE(tu.requests.empty());
}

TEST_F(txn_layer, garbage_is_dropped_and_counted) {
  layer.on_message("\x16\x03\x01 not sip at all",
                   make_peer(transport::protocol::udp, "192.0.2.10", 5062));
  EXPECT_EQ(sent_count(), 0u);
  EXPECT_EQ(layer.counters().dropped_unparsable, 1u);
  EXPECT_EQ(layer.counters().received, 1u);
}

TEST_F(txn_layer, malformed_response_is_dropped) {
  layer.on_message("SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n",
                   make_peer(transport::protocol::udp, "192.0.2.10", 5062));
  EXPECT_TRUE(tu.strays.empty());
  EXPECT_EQ(sent_count(), 0u);
  EXPECT_EQ(layer.counters().dropped_unparsable, 1u);
}

TEST_F(txn_layer, ack_without_transaction_goes_to_the_tu) {
  auto from = make_peer(transport::protocol::udp, "192.0.2.10", 5062);
  layer.on_message(request("ACK", "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKack9", "t9"), from);
  ASSERT_EQ(tu.acks.size(), 1u);
  EXPECT_EQ(tu.acks[0].first->method(), "ACK");
  EXPECT_EQ(tu.acks[0].second.port, 5062);
  EXPECT_TRUE(tu.requests.empty());
  EXPECT_EQ(layer.server_count(), 0u);  // an ACK makes no transaction
  EXPECT_EQ(sent_count(), 0u);
}

TEST_F(txn_layer, request_from_another_address_gets_received_stamped) {
  layer.on_message(request("OPTIONS", "SIP/2.0/UDP phone.example.com;branch=z9hG4bKo1"),
                   make_peer(transport::protocol::udp, "192.0.2.77", 5060));
  ASSERT_EQ(tu.requests.size(), 1u);
  EXPECT_EQ(tu.requests[0].msg->value(sip::header_id::via),
            "SIP/2.0/UDP phone.example.com;branch=z9hG4bKo1;received=192.0.2.77");
}

TEST_F(txn_layer, bare_rport_is_filled_and_responses_follow_it) {
  layer.on_message(request("OPTIONS", "SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bKo2"),
                   make_peer(transport::protocol::udp, "203.0.113.9", 31000));
  ASSERT_EQ(tu.requests.size(), 1u);
  EXPECT_EQ(tu.requests[0].msg->value(sip::header_id::via),
            "SIP/2.0/UDP 10.0.0.5:5060;rport=31000;branch=z9hG4bKo2;received=203.0.113.9");
  layer.respond(tu.requests[0].server, 200, "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(sent_count(), 1u);
  EXPECT_EQ(last_sent().to.address.to_string(), "203.0.113.9");
  EXPECT_EQ(last_sent().to.port, 31000);
}

TEST_F(txn_layer, response_target_over_tcp_keeps_the_connection) {
  auto from = make_peer(transport::protocol::tcp, "192.0.2.10", 45000);
  from.connection = 17;
  auto req = must_parse(request("OPTIONS", "SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKt"));
  auto to = transaction_layer::response_target(*req, from);
  EXPECT_EQ(to.proto, transport::protocol::tcp);
  EXPECT_EQ(to.connection, 17u);
  EXPECT_EQ(to.address.to_string(), "192.0.2.10");
  EXPECT_EQ(to.port, 5060);
}

TEST_F(txn_layer, response_target_default_port_is_5060) {
  auto from = make_peer(transport::protocol::udp, "192.0.2.10", 45000);
  auto req = must_parse(request("OPTIONS", "SIP/2.0/UDP phone.example.com;branch=z9hG4bKt"));
  auto to = transaction_layer::response_target(*req, from);
  EXPECT_EQ(to.address.to_string(), "192.0.2.10");
  EXPECT_EQ(to.port, 5060);
  EXPECT_EQ(to.connection, 0u);
}

TEST_F(txn_layer, different_branches_are_different_transactions) {
  auto from = make_peer(transport::protocol::udp, "192.0.2.10", 5060);
  layer.on_message(request("OPTIONS", "SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKa"), from);
  layer.on_message(request("OPTIONS", "SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKb"), from);
  EXPECT_EQ(tu.requests.size(), 2u);
  EXPECT_NE(tu.requests[0].server, tu.requests[1].server);
  EXPECT_EQ(layer.server_count(), 2u);
}

TEST_F(txn_layer, rfc2543_requests_match_by_their_fields) {
  auto from = make_peer(transport::protocol::udp, "192.0.2.10", 5060);
  std::string old = request("OPTIONS", "SIP/2.0/UDP 192.0.2.10");
  layer.on_message(old, from);
  layer.on_message(old, from);
  EXPECT_EQ(tu.requests.size(), 1u);
  layer.on_message(request("OPTIONS", "SIP/2.0/UDP 192.0.2.10", {}, 2), from);
  EXPECT_EQ(tu.requests.size(), 2u);
}

}  // namespace
}  // namespace sipproxy::txn::test
