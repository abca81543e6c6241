// proxy_core between a fake wire and a manual clock (pipeline_fixture.hpp): what goes out
// for what comes in, as tests/txn does for the transaction layer.
#include "step_fixture.hpp"
#include "txn/transaction_layer.hpp"

namespace sipproxy::proxy::test {
namespace {

using namespace std::chrono_literals;

// `text` as sent by `sent_by` (its top Via).
std::string via(std::string text, std::string_view sent_by) {
  std::string_view ours = "127.0.0.50:5062";
  text.replace(text.find(ours), ours.size(), sent_by);
  return text;
}

std::string_view status_line(std::string_view message) {
  return message.substr(0, message.find("\r\n"));
}

class proxy_core_test : public ::testing::Test {
 protected:
  proxy_core_test() { log::set_level(log::level::none); }

  // The last message sent whose first line starts with `start`, and where to.
  const recording_sender::record& sent(std::string_view start) {
    const recording_sender::record* r = wire.last(start);
    if (!r) {
      ADD_FAILURE() << "nothing sent starting with '" << start << "'";
      static const recording_sender::record none{};
      return none;
    }
    return *r;
  }

  recording_sender wire;
  pipeline p{standalone_deployment(), wire};
};

TEST_F(proxy_core_test, invite_goes_to_the_serving_pair_and_responses_come_back) {
  p.deliver(request_text("INVITE", "sip:2000@127.0.0.1"), endpoint);
  EXPECT_EQ(sent("SIP/2.0 100").to.to_string(), endpoint.to_string());
  const auto& fwd = sent("INVITE ");
  EXPECT_EQ(fwd.to.to_string(), server_a.to_string());
  ASSERT_EQ(lines_named(fwd.bytes, "Via").size(), 2u);  // ours on top of the endpoint's
  EXPECT_EQ(lines_named(fwd.bytes, "Record-Route").size(), 1u);
  std::string invite = fwd.bytes;

  p.deliver(response_to(invite, 180, "Ringing", true), server_a);
  const auto& ringing = sent("SIP/2.0 180");
  EXPECT_EQ(ringing.to.to_string(), endpoint.to_string());
  EXPECT_EQ(lines_named(ringing.bytes, "Via").size(), 1u);  // ours taken off

  p.deliver(response_to(invite, 200, "OK", true), server_a);
  EXPECT_EQ(sent("SIP/2.0 200").to.to_string(), endpoint.to_string());
  EXPECT_EQ(p.core.counters().responses_relayed, 2u);
}

TEST_F(proxy_core_test, cancel_is_answered_and_sent_on_to_the_branch) {
  p.deliver(request_text("INVITE", "sip:2000@127.0.0.1"), endpoint);
  std::string invite = sent("INVITE ").bytes;
  p.deliver(response_to(invite, 180, "Ringing", true), server_a);

  std::string cancel = request_text("CANCEL", "sip:2000@127.0.0.1");
  p.deliver(cancel, endpoint);
  const auto& ok = sent("SIP/2.0 200");
  EXPECT_EQ(ok.to.to_string(), endpoint.to_string());
  EXPECT_NE(ok.bytes.find("CANCEL"), std::string::npos) << ok.bytes;  // CSeq: 1 CANCEL
  const auto& fwd = sent("CANCEL ");
  EXPECT_EQ(fwd.to.to_string(), server_a.to_string());
  // RFC 3261 §9.1: the CANCEL has the branch of the INVITE it cancels.
  auto cancel_via = lines_named(fwd.bytes, "Via");
  ASSERT_EQ(cancel_via.size(), 1u);
  EXPECT_EQ(cancel_via.front(), lines_named(invite, "Via").front());

  p.deliver(response_to(invite, 487, "Request Terminated", true), server_a);
  EXPECT_EQ(sent("SIP/2.0 487").to.to_string(), endpoint.to_string());
}

TEST_F(proxy_core_test, cancel_for_no_invite_is_481) {
  p.deliver(request_text("CANCEL", "sip:2000@127.0.0.1"), endpoint);
  EXPECT_EQ(sent("SIP/2.0 481").to.to_string(), endpoint.to_string());
  EXPECT_EQ(wire.count("CANCEL "), 0u);
}

TEST_F(proxy_core_test, branch_that_never_answers_times_out_with_408) {
  // From the SIP Server to an address: not retargetable, so the timeout is the answer.
  p.deliver(via(request_text("MESSAGE", "sip:bob@127.0.0.66:5060"), "127.0.0.10:5070"), server_a);
  EXPECT_EQ(sent("MESSAGE ").to.to_string(), stranger.to_string());
  EXPECT_EQ(wire.count("SIP/2.0 408"), 0u);
  p.advance(33s);  // Timer F: 64 * T1
  const auto& timeout = sent("SIP/2.0 408");
  EXPECT_EQ(timeout.to.to_string(), server_a.to_string());
  EXPECT_EQ(p.core.context_count(), 0u);
}

TEST_F(proxy_core_test, request_waits_for_dns_and_resumes_with_its_answer) {
  // No resolver here: the answer is "does not resolve". The INVITE's 100 Trying goes first,
  // then the path resumes at resolve_next_hop, which answers 503.
  p.deliver(via(request_text("INVITE", "sip:2000@sip.example.com"), "127.0.0.10:5070"), server_a);
  ASSERT_EQ(wire.sent.size(), 2u);
  EXPECT_EQ(status_line(wire.sent[0].bytes), "SIP/2.0 100 Trying");
  EXPECT_EQ(wire.sent[1].bytes.substr(0, 11), "SIP/2.0 503");
  EXPECT_NE(wire.sent[1].bytes.find("cannot resolve sip:2000@sip.example.com"), std::string::npos)
      << wire.sent[1].bytes;
  EXPECT_EQ(wire.sent[1].to.to_string(), server_a.to_string());
  EXPECT_EQ(p.core.counters().forwarded, 0u);
}

}  // namespace
}  // namespace sipproxy::proxy::test
