// The chains of steps.hpp: decide_target runs the routing rules in order, the first that
// does not pass decides; run_request_path waits at resolve_next_hop and resumes there.
#include <algorithm>
#include <iterator>

#include "step_fixture.hpp"

namespace sipproxy::proxy::test {
namespace {

using decide_target_test = step_test;

TEST_F(decide_target_test, first_rule_that_decides_wins) {
  // A SIP Server's request with a Route: follow_route decides, route_to_endpoint (which
  // would rewrite the Request-URI to the registered contact) never runs.
  bind("sip:2000@127.0.0.1", "sip:2000@127.0.0.51:5062", peer_at("127.0.0.51", 5062));
  receive(request_text("INVITE", "sip:2000@127.0.0.1", "Route: <sip:127.0.0.66:5060;lr>\r\n"),
          server_a);
  ctx.source_pair = &pair("SIPServer_A");
  EXPECT_EQ(run(decide_target), step_result::next);
  EXPECT_EQ(hop(), stranger.to_string());
  EXPECT_EQ(ctx.out->request_uri(), "sip:2000@127.0.0.1");
}

TEST_F(decide_target_test, rule_that_answers_ends_the_path) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1", "Route: <sip:127.0.0.66:5060;lr>\r\n"));
  EXPECT_EQ(run(decide_target), step_result::done);
  EXPECT_EQ(ctx.status, 403);
  EXPECT_FALSE(world.sessions.lookup("call-1"));  // route_cluster, which records it, never ran
}

TEST_F(decide_target_test, rules_that_pass_let_the_later_ones_decide) {
  // Cluster REGISTER: note_registered_aor passes on after noting the AOR, route_cluster
  // decides.
  receive(request_text("REGISTER", "sip:127.0.0.1", "Contact: <sip:2000@127.0.0.50:5062>\r\n"));
  EXPECT_EQ(run(decide_target), step_result::next);
  EXPECT_EQ(ctx.aor, "sip:2000@127.0.0.1");
  ASSERT_TRUE(ctx.target_pair);
  EXPECT_EQ(hop(), ctx.target_pair->primary.address.to_string());
}

using request_path_test = step_test;

constexpr std::size_t index_of(step s) {
  return static_cast<std::size_t>(std::find(std::begin(request_path), std::end(request_path), s) -
                                  std::begin(request_path));
}

TEST_F(request_path_test, name_to_resolve_waits_at_resolve_next_hop) {
  receive(request_text("INVITE", "sip:2000@sip.example.com"), server_a);
  proxy_env env = world.env();
  EXPECT_EQ(run_request_path(ctx, env), step_result::waiting);
  EXPECT_EQ(ctx.waiting_at, index_of(resolve_next_hop));
  EXPECT_EQ(ctx.resolve_uri, "sip:2000@sip.example.com");
  EXPECT_FALSE(ctx.next_hop);
}

TEST_F(request_path_test, resumes_where_it_waited) {
  receive(request_text("INVITE", "sip:2000@sip.example.com"), server_a);
  proxy_env env = world.env();
  ASSERT_EQ(run_request_path(ctx, env), step_result::waiting);
  // Were the path run again from the start, check_max_forwards would now answer 483.
  std::string exhausted = request_text("INVITE", "sip:2000@sip.example.com");
  exhausted.replace(exhausted.find("Max-Forwards: 70"), 16, "Max-Forwards: 0");
  ctx.in = sip::parse(exhausted).msg;
  ctx.resolved = std::vector<transport::peer>{stranger};
  EXPECT_EQ(run_request_path(ctx, env), step_result::next);
  EXPECT_EQ(ctx.status, 0);
  EXPECT_EQ(hop(), stranger.to_string());
}

TEST_F(request_path_test, known_next_hop_does_not_wait) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1"));
  proxy_env env = world.env();
  EXPECT_EQ(run_request_path(ctx, env), step_result::next);
  EXPECT_TRUE(ctx.next_hop);
}

}  // namespace
}  // namespace sipproxy::proxy::test
