#include "step_fixture.hpp"

namespace sipproxy::proxy::test {
namespace {

using route_standalone_test = standalone_step_test;

TEST_F(route_standalone_test, new_request_goes_to_the_serving_pair_and_may_be_retried) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1"));
  EXPECT_EQ(run(route_standalone), step_result::routed);
  EXPECT_EQ(hop(), server_a.to_string());
  EXPECT_EQ(ctx.target_pair, &pair("SIPServer_A"));
  EXPECT_TRUE(ctx.retargetable);
}

TEST_F(route_standalone_test, inactive_primary_sends_new_requests_to_the_backup) {
  mutable_pair(0).primary.state = routing::member_state::inactive;
  receive(request_text("INVITE", "sip:2000@127.0.0.1"));
  EXPECT_EQ(run(route_standalone), step_result::routed);
  EXPECT_EQ(hop(), server_a_backup.to_string());
}

TEST_F(route_standalone_test, in_dialog_request_may_go_to_an_inactive_member) {
  mutable_pair(0).primary.state = routing::member_state::inactive;
  mutable_pair(0).backup->state = routing::member_state::out_of_service;
  receive(request_text("INFO", "sip:2000@127.0.0.1", {}, "t2"));
  EXPECT_EQ(run(route_standalone), step_result::routed);
  EXPECT_EQ(hop(), server_a.to_string());
  EXPECT_FALSE(ctx.retargetable);
  // A new request may not.
  receive(request_text("INVITE", "sip:2000@127.0.0.1"));
  EXPECT_EQ(run(route_standalone), step_result::done);
  EXPECT_EQ(ctx.status, 503);
}

TEST_F(route_standalone_test, pair_out_of_service_is_503) {
  mutable_pair(0).primary.state = routing::member_state::out_of_service;
  mutable_pair(0).backup->state = routing::member_state::out_of_service;
  receive(request_text("INVITE", "sip:2000@127.0.0.1"));
  EXPECT_EQ(run(route_standalone), step_result::done);
  EXPECT_EQ(ctx.status, 503);
}

using route_standalone_cluster_test = step_test;

TEST_F(route_standalone_cluster_test, cluster_passes_on) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1"));
  EXPECT_EQ(run(route_standalone), step_result::next);
  EXPECT_FALSE(ctx.next_hop);
}

}  // namespace
}  // namespace sipproxy::proxy::test
