// when_no_pending_server: the transaction layer says when no server transaction awaits its
// final response (what the daemon's drain waits for).
#include <gtest/gtest.h>

#include "layer_fixture.hpp"
#include "sip/response_builder.hpp"
#include "txn/transaction_layer.hpp"

namespace sipproxy::txn::test {
namespace {

class no_pending_notice : public layer_test {
 protected:
  static std::string via(int n) {
    return "SIP/2.0/UDP 10.1.1.1:5062;branch=z9hG4bKnp" + std::to_string(n);
  }
  void invite(int n) {
    layer.on_message(request("INVITE", via(n), {}, 1, "call-" + std::to_string(n)), from);
  }
  void answer(std::size_t request, int status) {
    const auto& r = tu.requests.at(request);
    layer.respond(r.server, status, sip::build_response(*r.msg, status));
  }
  void listen() {
    layer.when_no_pending_server([this] { ++notices; });
  }

  transport::peer from = make_peer(transport::protocol::udp, "192.0.2.10", 5062);
  int notices = 0;
};

TEST_F(no_pending_notice, comes_soon_when_nothing_is_pending) {
  listen();
  EXPECT_EQ(notices, 0);  // never from within the call
  advance(0ms);
  EXPECT_EQ(notices, 1);
  advance(1s);
  EXPECT_EQ(notices, 1);  // once
}

TEST_F(no_pending_notice, waits_for_the_last_final_response) {
  invite(1);
  invite(2);
  listen();
  advance(0ms);
  EXPECT_EQ(notices, 0);
  answer(0, 180);  // a provisional response does not end the wait
  advance(0ms);
  EXPECT_EQ(notices, 0);
  answer(0, 486);
  advance(0ms);
  EXPECT_EQ(notices, 0);  // the second INVITE is still pending
  answer(1, 200);
  EXPECT_EQ(notices, 0);  // not under respond(): the 200 is on its way first
  EXPECT_EQ(status_of(last_sent().bytes), 200);
  advance(0ms);
  EXPECT_EQ(notices, 1);
  invite(3);
  answer(2, 200);
  advance(1s);
  EXPECT_EQ(notices, 1);  // once
}

TEST_F(no_pending_notice, a_request_that_comes_before_the_notice_is_waited_for) {
  invite(1);
  listen();
  answer(0, 486);
  invite(2);  // arrives before the timer queue runs the notice
  advance(0ms);
  EXPECT_EQ(notices, 0);
  answer(1, 486);
  advance(0ms);
  EXPECT_EQ(notices, 1);
}

TEST_F(no_pending_notice, an_empty_function_cancels_the_wait) {
  invite(1);
  listen();
  layer.when_no_pending_server(nullptr);
  answer(0, 486);
  advance(1s);
  EXPECT_EQ(notices, 0);
}

}  // namespace
}  // namespace sipproxy::txn::test
