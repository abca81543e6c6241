// proxy_core between a fake wire and a manual clock (pipeline_fixture.hpp): what goes out
// for what comes in, as tests/txn does for the transaction layer.
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstdint>
#include <vector>

#include "dns/resolver.hpp"
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

// A DNS server on loopback: every A question gets 127.0.0.66 (TTL 60), any other question
// an answer without records.
class fake_dns {
 public:
  explicit fake_dns(boost::asio::io_context& io)
      : socket_(io, boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    receive();
  }
  boost::asio::ip::udp::endpoint endpoint() const { return socket_.local_endpoint(); }

 private:
  void receive() {
    socket_.async_receive_from(boost::asio::buffer(in_), from_,
                               [this](boost::system::error_code ec, std::size_t n) {
                                 if (ec) return;
                                 answer(n);
                                 receive();
                               });
  }
  void answer(std::size_t n) {
    std::size_t at = 12;  // the header; then the question: its name, type and class
    while (at < n && in_[at] != 0) at += 1u + in_[at];
    at += 1;
    if (at + 4 > n) return;
    bool a = in_[at] == 0 && in_[at + 1] == 1;
    at += 4;
    std::vector<std::uint8_t> out(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(at));
    out[2] = 0x81;  // a response, recursion desired
    out[3] = 0x80;  // recursion available, no error
    out[4] = 0, out[5] = 1, out[6] = 0, out[7] = a ? 1 : 0;
    out[8] = out[9] = out[10] = out[11] = 0;
    if (a) {
      // The name by a pointer to the question's, A, IN, TTL 60, 4 bytes of address.
      out.insert(out.end(), {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 66});
    }
    socket_.send_to(boost::asio::buffer(out), from_);
  }

  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint from_;
  std::array<std::uint8_t, 512> in_{};
};

TEST(proxy_core_dns_test, request_waits_for_dns_and_resumes_with_the_target) {
  log::set_level(log::level::none);
  boost::asio::io_context io;
  fake_dns server(io);
  dns::resolver_options options;
  options.server = server.endpoint();
  dns::resolver resolver(io.get_executor(), options);
  recording_sender wire;
  pipeline p{standalone_deployment(), wire, &resolver};

  std::string invite =
      via(request_text("INVITE", "sip:2000@sip.example.com:5080"), "127.0.0.10:5070");
  p.deliver(invite, server_a);
  EXPECT_EQ(wire.count("SIP/2.0 100"), 1u);
  EXPECT_EQ(wire.count("INVITE "), 0u);  // waiting for the answer
  for (int i = 0; i < 200 && !wire.last("INVITE "); ++i)
    io.run_one_for(std::chrono::milliseconds(50));
  const recording_sender::record* fwd = wire.last("INVITE ");
  ASSERT_TRUE(fwd);
  EXPECT_EQ(fwd->to.to_string(), peer_at("127.0.0.66", 5080).to_string());
  EXPECT_EQ(wire.count("SIP/2.0 100"), 1u);  // not sent again on resuming

  // The answer is cached by its TTL: the next request to that name does not wait.
  std::string again = via(request_text("INVITE", "sip:2000@sip.example.com:5080", {}, {}, "call-2"),
                          "127.0.0.10:5070");
  again.replace(again.find("z9hG4bK-step-1"), 14, "z9hG4bK-step-2");
  p.deliver(again, server_a);
  EXPECT_EQ(wire.count("INVITE "), 2u);
}

}  // namespace
}  // namespace sipproxy::proxy::test
