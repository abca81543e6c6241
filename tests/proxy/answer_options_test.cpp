#include "step_fixture.hpp"

namespace sipproxy::proxy::test {
namespace {

using answer_options_test = step_test;

TEST_F(answer_options_test, options_to_the_proxy_is_200_with_allow) {
  receive(request_text("OPTIONS", "sip:127.0.0.1:5060"), server_a);
  ctx.addressed_to_us = true;
  EXPECT_EQ(run(answer_options), step_result::done);
  EXPECT_EQ(ctx.status, 200);
  EXPECT_NE(ctx.extra_headers.find("Allow: INVITE"), std::string::npos);
}

TEST_F(answer_options_test, draining_proxy_answers_503) {
  receive(request_text("OPTIONS", "sip:127.0.0.1:5060"), server_a);
  ctx.addressed_to_us = true;
  world.state.draining = true;
  EXPECT_EQ(run(answer_options), step_result::done);
  EXPECT_EQ(ctx.status, 503);
  EXPECT_NE(ctx.extra_headers.find("Retry-After"), std::string::npos);
}

TEST_F(answer_options_test, options_to_someone_else_passes_on) {
  receive(request_text("OPTIONS", "sip:2000@127.0.0.1"));
  EXPECT_EQ(run(answer_options), step_result::next);
  EXPECT_EQ(ctx.status, 0);
}

TEST_F(answer_options_test, other_methods_to_the_proxy_pass_on) {
  receive(request_text("INFO", "sip:127.0.0.1:5060"));
  ctx.addressed_to_us = true;
  EXPECT_EQ(run(answer_options), step_result::next);
  EXPECT_EQ(ctx.status, 0);
}

}  // namespace
}  // namespace sipproxy::proxy::test
