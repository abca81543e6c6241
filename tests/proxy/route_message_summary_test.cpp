#include "step_fixture.hpp"

namespace sipproxy::proxy::test {
namespace {

using route_message_summary_test = step_test;

constexpr std::string_view mwi = "Event: message-summary\r\n";

// 1000@127.0.0.1, the From of request_text, is registered.
class registered_mwi_test : public route_message_summary_test {
 protected:
  registered_mwi_test() { bind("sip:1000@127.0.0.1", "sip:1000@127.0.0.50:5062", endpoint); }
};

TEST_F(registered_mwi_test, message_summary_subscribe_goes_to_the_feature_server) {
  receive(request_text("SUBSCRIBE", "sip:1000@127.0.0.1", mwi));
  EXPECT_EQ(run(route_message_summary), step_result::routed);
  EXPECT_EQ(hop(), feature_server.to_string());
  EXPECT_TRUE(ctx.to_feature_server);
  EXPECT_EQ(ctx.feature_server, "127.0.0.20:5090");
}

TEST_F(route_message_summary_test, unregistered_subscriber_passes_on) {
  receive(request_text("SUBSCRIBE", "sip:1000@127.0.0.1", mwi));
  EXPECT_EQ(run(route_message_summary), step_result::next);
  EXPECT_FALSE(ctx.next_hop);
}

TEST_F(registered_mwi_test, other_events_and_methods_pass_on) {
  receive(request_text("SUBSCRIBE", "sip:1000@127.0.0.1", "Event: presence\r\n"));
  EXPECT_EQ(run(route_message_summary), step_result::next);
  receive(request_text("PUBLISH", "sip:1000@127.0.0.1", mwi));
  EXPECT_EQ(run(route_message_summary), step_result::next);
  receive(request_text("SUBSCRIBE", "sip:1000@127.0.0.1", mwi, "fs1"));  // a refresh
  EXPECT_EQ(run(route_message_summary), step_result::next);
  EXPECT_FALSE(ctx.next_hop);
}

TEST_F(registered_mwi_test, no_live_feature_server_is_503) {
  world.state.feature_servers.all()[0].state = routing::member_state::out_of_service;
  receive(request_text("SUBSCRIBE", "sip:1000@127.0.0.1", mwi));
  EXPECT_EQ(run(route_message_summary), step_result::done);
  EXPECT_EQ(ctx.status, 503);
}

TEST_F(registered_mwi_test, no_feature_server_configured_is_489) {
  world.state.feature_servers.assign({});
  receive(request_text("SUBSCRIBE", "sip:1000@127.0.0.1", mwi));
  EXPECT_EQ(run(route_message_summary), step_result::done);
  EXPECT_EQ(ctx.status, 489);
}

TEST_F(route_message_summary_test, storage_down_is_503) {
  world.state.shared_storage_down = true;
  receive(request_text("SUBSCRIBE", "sip:1000@127.0.0.1", mwi));
  EXPECT_EQ(run(route_message_summary), step_result::done);
  EXPECT_EQ(ctx.status, 503);
}

}  // namespace
}  // namespace sipproxy::proxy::test
