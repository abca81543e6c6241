#include "step_fixture.hpp"

namespace sipproxy::proxy::test {
namespace {

using resolve_next_hop_test = step_test;

TEST_F(resolve_next_hop_test, known_next_hop_passes_on) {
  receive(request_text("INVITE", "sip:2000@127.0.0.10:5070"));
  ctx.next_hop = server_a;
  EXPECT_EQ(run(resolve_next_hop), step_result::next);
  EXPECT_EQ(hop(), server_a.to_string());
}

TEST_F(resolve_next_hop_test, name_to_resolve_waits) {
  receive(request_text("INVITE", "sip:2000@sip.example.com"));
  ctx.resolve_uri = "sip:2000@sip.example.com";
  EXPECT_EQ(run(resolve_next_hop), step_result::waiting);
  EXPECT_FALSE(ctx.next_hop);
  EXPECT_EQ(ctx.status, 0);
}

TEST_F(resolve_next_hop_test, answer_gives_the_next_hop_and_the_alternatives) {
  receive(request_text("INVITE", "sip:2000@sip.example.com"));
  ctx.resolve_uri = "sip:2000@sip.example.com";
  ctx.resolved = std::vector<transport::peer>{server_b, stranger};
  EXPECT_EQ(run(resolve_next_hop), step_result::next);
  EXPECT_EQ(hop(), server_b.to_string());
  EXPECT_EQ(ctx.target_pair, &pair("SIPServer_B"));
  ASSERT_EQ(ctx.alternatives.size(), 1u);
  EXPECT_EQ(ctx.alternatives[0].to_string(), stranger.to_string());
}

TEST_F(resolve_next_hop_test, name_that_does_not_resolve_is_503) {
  receive(request_text("INVITE", "sip:2000@sip.example.com"));
  ctx.resolve_uri = "sip:2000@sip.example.com";
  ctx.resolved.emplace();
  EXPECT_EQ(run(resolve_next_hop), step_result::done);
  EXPECT_EQ(ctx.status, 503);
  EXPECT_NE(ctx.reason.find("sip.example.com"), std::string::npos) << ctx.reason;
}

}  // namespace
}  // namespace sipproxy::proxy::test
