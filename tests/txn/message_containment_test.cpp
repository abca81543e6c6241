#include <gtest/gtest.h>

#include <stdexcept>

#include "layer_fixture.hpp"

namespace sipproxy::txn::test {
namespace {

// A TU whose handling of one request throws, as a library refusing wire text would.
struct throwing_tu : fake_tu {
  void on_request(txn_id server, const sip::message_ptr& request,
                  const transport::peer& from) override {
    if (request->value(sip::header_id::call_id) == "poison") throw std::runtime_error("boom");
    fake_tu::on_request(server, request, from);
  }
};

class containment : public layer_test {
 protected:
  containment() { layer.set_user(thrower); }
  throwing_tu thrower;
};

TEST_F(containment, a_message_whose_handling_throws_costs_that_message_only) {
  auto from = make_peer(transport::protocol::udp, "198.51.100.1", 5060);
  EXPECT_NO_THROW(layer.on_message(
      request("OPTIONS", "SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKp1", {}, 1, "poison"), from));
  EXPECT_EQ(layer.counters().failed_messages, 1u);
  // The next message is handled as usual.
  layer.on_message(request("OPTIONS", "SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKp2", {}, 1, "ok"),
                   from);
  ASSERT_EQ(thrower.requests.size(), 1u);
  EXPECT_EQ(thrower.requests[0].msg->value(sip::header_id::call_id), "ok");
  EXPECT_EQ(layer.counters().failed_messages, 1u);
}

}  // namespace
}  // namespace sipproxy::txn::test
