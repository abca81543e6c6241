#include "step_fixture.hpp"

namespace sipproxy::proxy::test {
namespace {

using route_recorded_dialog_test = step_test;

TEST_F(route_recorded_dialog_test, without_our_record_route_passes_on) {
  receive(request_text("BYE", "sip:2000@127.0.0.10:5070", {}, "t2"));
  EXPECT_EQ(run(route_recorded_dialog), step_result::next);
  EXPECT_FALSE(ctx.next_hop);
}

TEST_F(route_recorded_dialog_test, goes_to_the_member_it_was_set_up_with) {
  receive(request_text("BYE", "sip:2000@127.0.0.10:5070", {}, "t2"));
  ctx.rr_server_index = 0;
  EXPECT_EQ(run(route_recorded_dialog), step_result::routed);
  EXPECT_EQ(hop(), server_a.to_string());
  EXPECT_EQ(ctx.target_pair, &pair("SIPServer_A"));

  receive(request_text("BYE", "sip:2000@127.0.0.10:5070", {}, "t2"));
  ctx.rr_server_index = 0;
  ctx.rr_backup = true;
  EXPECT_EQ(run(route_recorded_dialog), step_result::routed);
  EXPECT_EQ(hop(), server_a_backup.to_string());
}

TEST_F(route_recorded_dialog_test, inactive_member_keeps_its_dialogs) {
  mutable_pair(0).primary.state = routing::member_state::inactive;
  receive(request_text("BYE", "sip:2000@127.0.0.10:5070", {}, "t2"));
  ctx.rr_server_index = 0;
  EXPECT_EQ(run(route_recorded_dialog), step_result::routed);
  EXPECT_EQ(hop(), server_a.to_string());
}

TEST_F(route_recorded_dialog_test, out_of_service_member_hands_over_to_the_other) {
  mutable_pair(0).primary.state = routing::member_state::out_of_service;
  receive(request_text("BYE", "sip:2000@127.0.0.10:5070", {}, "t2"));
  ctx.rr_server_index = 0;
  EXPECT_EQ(run(route_recorded_dialog), step_result::routed);
  EXPECT_EQ(hop(), server_a_backup.to_string());
}

TEST_F(route_recorded_dialog_test, whole_pair_out_of_service_is_503) {
  mutable_pair(1).primary.state = routing::member_state::out_of_service;
  receive(request_text("BYE", "sip:2000@127.0.0.12:5070", {}, "t2"));
  ctx.rr_server_index = 1;
  EXPECT_EQ(run(route_recorded_dialog), step_result::done);
  EXPECT_EQ(ctx.status, 503);
}

TEST_F(route_recorded_dialog_test, recorded_name_wins_over_a_renumbered_index) {
  receive(request_text("BYE", "sip:2000@127.0.0.12:5070", {}, "t2"));
  ctx.rr_server_index = 0;
  ctx.rr_server_name = "SIPServer_B";
  EXPECT_EQ(run(route_recorded_dialog), step_result::routed);
  EXPECT_EQ(hop(), server_b.to_string());
}

TEST_F(route_recorded_dialog_test, pair_not_configured_here_passes_on) {
  receive(request_text("BYE", "sip:2000@127.0.0.12:5070", {}, "t2"));
  ctx.rr_server_index = 7;
  EXPECT_EQ(run(route_recorded_dialog), step_result::next);
  EXPECT_FALSE(ctx.next_hop);
  EXPECT_EQ(ctx.status, 0);
}

}  // namespace
}  // namespace sipproxy::proxy::test
