#include <gtest/gtest.h>

#include "layer_fixture.hpp"

namespace sipproxy::txn::test {
namespace {

class foreign_response : public layer_test {};

// A response is believed only from where its request went (address and port, transport).
TEST_F(foreign_response, a_final_from_another_address_is_dropped_and_the_real_one_counts) {
  auto options = must_parse(request("OPTIONS", "SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKspf"));
  auto server = make_peer(transport::protocol::udp, "198.51.100.1", 5060);
  txn_id id = layer.create_request(options, server);
  layer.start(id);
  std::string forged =
      response(503, "Nope", "OPTIONS", "SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKspf");
  layer.on_message(forged, make_peer(transport::protocol::udp, "192.0.2.66", 5060));
  layer.on_message(forged, make_peer(transport::protocol::udp, "198.51.100.1", 5061));
  layer.on_message(forged, make_peer(transport::protocol::tcp, "198.51.100.1", 5060));
  EXPECT_TRUE(tu.responses.empty());
  EXPECT_EQ(layer.counters().foreign_responses, 3u);
  layer.on_message(response(200, "OK", "OPTIONS", "SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKspf"),
                   server);
  ASSERT_EQ(tu.responses.size(), 1u);
  EXPECT_EQ(tu.responses[0].msg->status(), 200);
}

}  // namespace
}  // namespace sipproxy::txn::test
