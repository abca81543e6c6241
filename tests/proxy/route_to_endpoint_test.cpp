#include "step_fixture.hpp"

namespace sipproxy::proxy::test {
namespace {

using route_to_endpoint_test = step_test;

const transport::peer phone1 = peer_at("127.0.0.51", 5062);
const transport::peer phone2 = peer_at("127.0.0.52", 5062);

TEST_F(route_to_endpoint_test, request_from_an_endpoint_passes_on) {
  bind("sip:2000@127.0.0.1", "sip:2000@127.0.0.51:5062", phone1);
  receive(request_text("INVITE", "sip:2000@127.0.0.1"));
  EXPECT_EQ(run(route_to_endpoint), step_result::next);
  EXPECT_FALSE(ctx.next_hop);
}

TEST_F(route_to_endpoint_test, registered_aor_forks_to_every_contact_newest_first) {
  bind("sip:2000@127.0.0.1", "sip:2000@127.0.0.51:5062", phone1, 600);
  bind("sip:2000@127.0.0.1", "sip:2000@127.0.0.52:5062", phone2, 3600);
  receive(request_text("INVITE", "sip:2000@127.0.0.1"), server_a);
  ctx.source_pair = &pair("SIPServer_A");
  EXPECT_EQ(run(route_to_endpoint), step_result::routed);
  EXPECT_EQ(hop(), phone2.to_string());
  EXPECT_EQ(ctx.out->request_uri(), "sip:2000@127.0.0.52:5062");
  ASSERT_EQ(ctx.forks.size(), 1u);
  EXPECT_EQ(ctx.forks[0].hop.to_string(), phone1.to_string());
  EXPECT_EQ(ctx.forks[0].out->request_uri(), "sip:2000@127.0.0.51:5062");
}

TEST_F(route_to_endpoint_test, within_a_dialog_only_the_newest_contact) {
  bind("sip:2000@127.0.0.1", "sip:2000@127.0.0.51:5062", phone1, 600);
  bind("sip:2000@127.0.0.1", "sip:2000@127.0.0.52:5062", phone2, 3600);
  receive(request_text("INFO", "sip:2000@127.0.0.1", {}, "t2"), server_a);
  ctx.source_pair = &pair("SIPServer_A");
  EXPECT_EQ(run(route_to_endpoint), step_result::routed);
  EXPECT_EQ(hop(), phone2.to_string());
  EXPECT_TRUE(ctx.forks.empty());
}

TEST_F(route_to_endpoint_test, sip_server_call_is_recorded_for_its_pair) {
  bind("sip:2000@127.0.0.1", "sip:2000@127.0.0.51:5062", phone1);
  receive(request_text("INVITE", "sip:2000@127.0.0.1", {}, {}, "call-from-b"), server_b);
  ctx.source_pair = &pair("SIPServer_B");
  EXPECT_EQ(run(route_to_endpoint), step_result::routed);
  EXPECT_EQ(world.sessions.lookup("call-from-b"), pair("SIPServer_B").index);
}

TEST_F(route_to_endpoint_test, unregistered_local_user_is_480) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1"), server_a);
  ctx.source_pair = &pair("SIPServer_A");
  EXPECT_EQ(run(route_to_endpoint), step_result::done);
  EXPECT_EQ(ctx.status, 480);
}

TEST_F(route_to_endpoint_test, registered_contact_uri_goes_over_its_flow) {
  const transport::peer nat = peer_at("127.0.0.53", 40000);
  bind("sip:2000@127.0.0.1", "sip:2000@192.168.1.5:5062", nat);
  receive(request_text("BYE", "sip:2000@192.168.1.5:5062", {}, "t2"), server_a);
  ctx.source_pair = &pair("SIPServer_A");
  EXPECT_EQ(run(route_to_endpoint), step_result::routed);
  EXPECT_EQ(hop(), nat.to_string());
}

TEST_F(route_to_endpoint_test, contact_held_by_a_peer_over_tcp_goes_through_that_peer) {
  const transport::peer tcp_flow = peer_at("127.0.0.54", 41000, transport::protocol::tcp);
  bind("sip:2000@127.0.0.1", "sip:2000@127.0.0.54:5062;transport=tcp", tcp_flow, 3600,
       "SIPProxy_2");
  receive(request_text("INVITE", "sip:2000@127.0.0.1"), server_a);
  ctx.source_pair = &pair("SIPServer_A");
  EXPECT_EQ(run(route_to_endpoint), step_result::routed);
  EXPECT_EQ(hop(), peer_instance.to_string());
  EXPECT_EQ(ctx.out->value(sip::header_id::route), "<sip:127.0.0.2:5060;lr;flow>");
}

TEST_F(route_to_endpoint_test, storage_down_refuses_new_requests_with_503) {
  bind("sip:2000@127.0.0.1", "sip:2000@127.0.0.51:5062", phone1);
  world.state.shared_storage_down = true;
  receive(request_text("INVITE", "sip:2000@127.0.0.1"), server_a);
  ctx.source_pair = &pair("SIPServer_A");
  EXPECT_EQ(run(route_to_endpoint), step_result::done);
  EXPECT_EQ(ctx.status, 503);
}

TEST_F(route_to_endpoint_test, foreign_request_uri_is_followed) {
  receive(request_text("MESSAGE", "sip:bob@127.0.0.66:5060"), feature_server);
  ctx.from_feature_server = true;
  EXPECT_EQ(run(route_to_endpoint), step_result::routed);
  EXPECT_EQ(hop(), stranger.to_string());
}

}  // namespace
}  // namespace sipproxy::proxy::test
