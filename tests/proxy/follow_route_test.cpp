#include "step_fixture.hpp"

namespace sipproxy::proxy::test {
namespace {

using follow_route_test = step_test;

TEST_F(follow_route_test, without_a_route_passes_on) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1"));
  EXPECT_EQ(run(follow_route), step_result::next);
  EXPECT_FALSE(ctx.next_hop);
  EXPECT_EQ(ctx.status, 0);
}

TEST_F(follow_route_test, route_to_a_sip_server_goes_there) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1", "Route: <sip:127.0.0.12:5070;lr>\r\n"));
  EXPECT_EQ(run(follow_route), step_result::routed);
  EXPECT_EQ(hop(), server_b.to_string());
  EXPECT_EQ(ctx.target_pair, &pair("SIPServer_B"));
}

TEST_F(follow_route_test, route_to_a_pool_peer_goes_there) {
  receive(request_text("BYE", "sip:2000@127.0.0.50", "Route: <sip:127.0.0.2:5060;lr>\r\n", "t2"));
  EXPECT_EQ(run(follow_route), step_result::routed);
  EXPECT_EQ(hop(), peer_instance.to_string());
}

TEST_F(follow_route_test, endpoint_route_elsewhere_is_403_no_open_relay) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1", "Route: <sip:127.0.0.66:5060;lr>\r\n"));
  EXPECT_EQ(run(follow_route), step_result::done);
  EXPECT_EQ(ctx.status, 403);
}

TEST_F(follow_route_test, endpoint_may_not_forge_a_flow_route_to_a_peer) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1", "Route: <sip:127.0.0.2:5060;lr;flow>\r\n"));
  EXPECT_EQ(run(follow_route), step_result::done);
  EXPECT_EQ(ctx.status, 403);
}

TEST_F(follow_route_test, sip_server_route_anywhere_is_followed) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1", "Route: <sip:127.0.0.66:5060;lr>\r\n"),
          server_a);
  ctx.source_pair = &pair("SIPServer_A");
  EXPECT_EQ(run(follow_route), step_result::routed);
  EXPECT_EQ(hop(), stranger.to_string());
}

TEST_F(follow_route_test, route_by_host_name_is_left_to_resolve) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1", "Route: <sip:proxy.example.com;lr>\r\n"),
          server_a);
  ctx.source_pair = &pair("SIPServer_A");
  EXPECT_EQ(run(follow_route), step_result::routed);
  EXPECT_FALSE(ctx.next_hop);
  EXPECT_EQ(ctx.resolve_uri, "sip:proxy.example.com;lr");
}

TEST_F(follow_route_test, malformed_route_is_400) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1", "Route: <sip:127.0.0.12:5070;lr\r\n"));
  EXPECT_EQ(run(follow_route), step_result::done);
  EXPECT_EQ(ctx.status, 400);
}

}  // namespace
}  // namespace sipproxy::proxy::test
