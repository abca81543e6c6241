#include "step_fixture.hpp"

namespace sipproxy::proxy::test {
namespace {

using route_dialog_by_session_or_dn_test = step_test;

// What route_recorded_dialog leaves: our Record-Route named a pair not configured here.
void gone_pair(request_context& ctx) {
  ctx.rr_server_index = 7;
  ctx.rr_server_name = "SIPServer_Z";
}

TEST_F(route_dialog_by_session_or_dn_test, outside_a_recorded_dialog_passes_on) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1"));
  EXPECT_EQ(run(route_dialog_by_session_or_dn), step_result::next);
  EXPECT_FALSE(ctx.next_hop);
}

TEST_F(route_dialog_by_session_or_dn_test, goes_to_the_pair_of_its_session) {
  world.sessions.record("call-1", pair("SIPServer_B").index);
  receive(request_text("BYE", "sip:2000@127.0.0.99:5070", {}, "t2"));
  gone_pair(ctx);
  EXPECT_EQ(run(route_dialog_by_session_or_dn), step_result::routed);
  EXPECT_EQ(hop(), server_b.to_string());
}

TEST_F(route_dialog_by_session_or_dn_test, else_to_the_pair_that_serves_its_dn) {
  world.sessions.record(routing::dn_session_key("2000"), pair("SIPServer_B").index);
  receive(request_text("BYE", "sip:2000@127.0.0.99:5070", {}, "t2"));
  gone_pair(ctx);
  ctx.rr_dn = "2000";
  EXPECT_EQ(run(route_dialog_by_session_or_dn), step_result::routed);
  EXPECT_EQ(hop(), server_b.to_string());
}

TEST_F(route_dialog_by_session_or_dn_test, neither_is_481) {
  receive(request_text("BYE", "sip:2000@127.0.0.99:5070", {}, "t2"));
  gone_pair(ctx);
  ctx.rr_dn = "2000";
  EXPECT_EQ(run(route_dialog_by_session_or_dn), step_result::done);
  EXPECT_EQ(ctx.status, 481);
  EXPECT_NE(ctx.reason.find("SIPServer_Z"), std::string::npos) << ctx.reason;
}

class route_dialog_by_session_or_dn_standalone_test : public standalone_step_test {};

TEST_F(route_dialog_by_session_or_dn_standalone_test, standalone_passes_on) {
  world.sessions.record("call-1", pair("SIPServer_B").index);
  receive(request_text("BYE", "sip:2000@127.0.0.99:5070", {}, "t2"));
  gone_pair(ctx);
  EXPECT_EQ(run(route_dialog_by_session_or_dn), step_result::next);
  EXPECT_FALSE(ctx.next_hop);
  EXPECT_EQ(ctx.status, 0);
}

}  // namespace
}  // namespace sipproxy::proxy::test
