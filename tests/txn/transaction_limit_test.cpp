// max-transactions: the transaction layer's cap on server transactions in flight.
#include <gtest/gtest.h>

#include "layer_fixture.hpp"
#include "sip/name_addr.hpp"
#include "sip/response_builder.hpp"
#include "txn/transaction_layer.hpp"

namespace sipproxy::txn::test {
namespace {

class txn_limit : public layer_test {
 protected:
  txn_limit() { layer.set_max_in_flight(2); }

  static std::string via(int n) {
    return "SIP/2.0/UDP 10.1.1.1:5062;branch=z9hG4bKlim" + std::to_string(n);
  }
  static std::string call(int n) { return "call-" + std::to_string(n); }
  void invite(int n, std::string_view to_tag = {}) {
    layer.on_message(request("INVITE", via(n), to_tag, 1, call(n)), from);
  }

  transport::peer from = make_peer(transport::protocol::udp, "192.0.2.10", 5062);
};

TEST_F(txn_limit, new_request_over_the_limit_gets_503_with_retry_after_and_the_tu_never_sees_it) {
  invite(1);
  invite(2);
  ASSERT_EQ(tu.requests.size(), 2u);
  EXPECT_EQ(layer.pending_server_count(), 2u);
  invite(3);
  EXPECT_EQ(tu.requests.size(), 2u);  // not passed up
  ASSERT_EQ(sent_count(), 1u);
  auto rsp = must_parse(last_sent().bytes);
  EXPECT_EQ(rsp->status(), 503);
  EXPECT_EQ(rsp->value(sip::header_id::call_id), "call-3");
  EXPECT_EQ(rsp->value(sip::header_id::retry_after), "5");
  EXPECT_EQ(layer.counters().rejected_busy, 1u);
  EXPECT_EQ(layer.pending_server_count(), 2u);  // the refused one is not in flight
}

TEST_F(txn_limit, refusal_keeps_no_transaction_answers_retransmissions_and_absorbs_the_ack) {
  invite(1);
  invite(2);
  invite(3);
  ASSERT_EQ(sent_count(), 1u);
  EXPECT_EQ(layer.server_count(), 2u);  // stateless: a flood costs no memory
  std::string refusal = last_sent().bytes;
  invite(3);  // retransmission: the same 503 again, still not the TU's
  ASSERT_EQ(sent_count(), 2u);
  EXPECT_EQ(last_sent().bytes, refusal);
  EXPECT_EQ(last_sent().to.port, 5062);
  auto rsp = must_parse(refusal);
  std::string tag(sip::tag_of(rsp->value(sip::header_id::to)));
  ASSERT_FALSE(tag.empty());
  layer.on_message(request("ACK", via(3), tag, 1, call(3)), from);
  EXPECT_TRUE(tu.acks.empty());  // the 503's ACK, not a 2xx ACK to route
  EXPECT_EQ(tu.requests.size(), 2u);
  EXPECT_EQ(sent_count(), 2u);
  EXPECT_EQ(layer.counters().rejected_busy, 2u);
}

TEST_F(txn_limit, a_final_response_frees_a_place) {
  invite(1);
  invite(2);
  layer.respond(tu.requests[0].server, 486, sip::build_response(*tu.requests[0].msg, 486));
  EXPECT_EQ(layer.pending_server_count(), 1u);
  invite(3);
  EXPECT_EQ(tu.requests.size(), 3u);
  EXPECT_EQ(layer.counters().rejected_busy, 0u);
}

TEST_F(txn_limit, a_provisional_response_does_not_free_a_place) {
  invite(1);
  invite(2);
  layer.respond(tu.requests[0].server, 180, sip::build_response(*tu.requests[0].msg, 180));
  invite(3);
  EXPECT_EQ(tu.requests.size(), 2u);
  EXPECT_EQ(layer.counters().rejected_busy, 1u);
}

TEST_F(txn_limit, cancel_and_in_dialog_requests_use_the_reserve) {
  invite(1);
  invite(2);
  // CANCEL of INVITE 1 reaches the TU with its INVITE matched.
  layer.on_message(request("CANCEL", via(1), {}, 1, call(1)), from);
  ASSERT_EQ(tu.cancels.size(), 1u);
  EXPECT_EQ(tu.cancels[0].invite_server, tu.requests[0].server);
  // A BYE within a dialog reaches the TU.
  layer.on_message(request("BYE", via(10), "b1", 2, call(10)), from);
  ASSERT_EQ(tu.requests.size(), 3u);
  EXPECT_EQ(tu.requests[2].msg->method(), "BYE");
  EXPECT_EQ(layer.pending_server_count(), 4u);
  // The reserve is as large again: then they are refused too.
  layer.on_message(request("BYE", via(11), "b1", 3, call(10)), from);
  EXPECT_EQ(tu.requests.size(), 3u);
  EXPECT_EQ(status_of(last_sent().bytes), 503);
}

TEST_F(txn_limit, ack_for_a_2xx_is_never_refused) {
  invite(1);
  invite(2);
  layer.on_message(request("ACK", via(20), "b1", 1, call(20)), from);
  EXPECT_EQ(tu.acks.size(), 1u);
  EXPECT_EQ(sent_count(), 0u);
}

TEST_F(txn_limit, a_transaction_that_ends_without_a_final_frees_its_place) {
  invite(1);
  invite(2);
  // Over TCP a server transaction ends when its connection is gone; here the TU answers
  // then the transaction terminates: either way the count follows the live ones.
  layer.respond(tu.requests[0].server, 200, sip::build_response(*tu.requests[0].msg, 200));
  layer.respond(tu.requests[1].server, 200, sip::build_response(*tu.requests[1].msg, 200));
  advance(40s);
  EXPECT_EQ(layer.pending_server_count(), 0u);
  EXPECT_EQ(layer.server_count(), 0u);
  invite(3);
  invite(4);
  EXPECT_EQ(tu.requests.size(), 4u);
}

TEST_F(txn_limit, zero_means_no_limit) {
  layer.set_max_in_flight(0);
  for (int i = 1; i <= 50; ++i) invite(i);
  EXPECT_EQ(tu.requests.size(), 50u);
  EXPECT_EQ(layer.counters().rejected_busy, 0u);
}

}  // namespace
}  // namespace sipproxy::txn::test
