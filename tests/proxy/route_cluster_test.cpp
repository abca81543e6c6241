#include "step_fixture.hpp"

namespace sipproxy::proxy::test {
namespace {

using route_cluster_test = step_test;

TEST_F(route_cluster_test, new_call_goes_to_the_balancers_pick_and_is_recorded) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1"));
  EXPECT_EQ(run(route_cluster), step_result::routed);
  ASSERT_TRUE(ctx.target_pair);
  EXPECT_EQ(hop(), ctx.target_pair->primary.address.to_string());
  EXPECT_TRUE(ctx.retargetable);
  EXPECT_EQ(world.sessions.lookup("call-1"), ctx.target_pair->index);
}

TEST_F(route_cluster_test, round_robin_spreads_new_calls) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1", {}, {}, "call-1"));
  ASSERT_EQ(run(route_cluster), step_result::routed);
  const routing::server_pair* first = ctx.target_pair;
  receive(request_text("INVITE", "sip:2000@127.0.0.1", {}, {}, "call-2"));
  ASSERT_EQ(run(route_cluster), step_result::routed);
  EXPECT_NE(ctx.target_pair, first);
}

TEST_F(route_cluster_test, related_call_stays_on_its_sessions_pair) {
  world.sessions.record("call-1", pair("SIPServer_B").index);
  for (int i = 0; i < 3; ++i) {
    receive(request_text("INVITE", "sip:2000@127.0.0.1"));
    EXPECT_EQ(run(route_cluster), step_result::routed);
    EXPECT_EQ(hop(), server_b.to_string());
  }
}

TEST_F(route_cluster_test, replaces_follows_the_replaced_call) {
  world.sessions.record("old-call", pair("SIPServer_B").index);
  for (int i = 0; i < 3; ++i) {
    receive(request_text("INVITE", "sip:2000@127.0.0.1",
                         "Replaces: old-call;to-tag=a;from-tag=b\r\n", {},
                         "new-call-" + std::to_string(i)));
    EXPECT_EQ(run(route_cluster), step_result::routed);
    EXPECT_EQ(hop(), server_b.to_string());
  }
}

TEST_F(route_cluster_test, no_pair_available_is_503) {
  for (auto& p : world.servers.pairs()) {
    p.primary.state = routing::member_state::out_of_service;
    if (p.backup) p.backup->state = routing::member_state::out_of_service;
  }
  receive(request_text("INVITE", "sip:2000@127.0.0.1"));
  EXPECT_EQ(run(route_cluster), step_result::done);
  EXPECT_EQ(ctx.status, 503);
}

}  // namespace
}  // namespace sipproxy::proxy::test
