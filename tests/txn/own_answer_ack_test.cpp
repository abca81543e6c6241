#include <gtest/gtest.h>

#include "layer_fixture.hpp"
#include "sip/name_addr.hpp"

namespace sipproxy::txn::test {
namespace {

class own_answer_ack : public layer_test {};

// The proxy answered a malformed INVITE itself, statelessly: the UA's ACK for that 400
// (RFC 3261 §17.1.1.3, same branch, the 400's To tag) ends at the proxy.
TEST_F(own_answer_ack, the_ack_for_a_stateless_400_is_absorbed) {
  std::string bad = request("INVITE", "SIP/2.0/UDP 10.1.1.1:5062;rport;branch=z9hG4bKbad");
  bad.replace(bad.find("CSeq: 1 INVITE"), 14, "CSeq: 1 BYE");
  auto from = make_peer(transport::protocol::udp, "192.0.2.10", 40000);
  layer.on_message(bad, from);
  ASSERT_EQ(sent_count(), 1u);
  auto rsp = must_parse(last_sent().bytes);
  ASSERT_EQ(rsp->status(), 400);
  auto tag = sip::tag_of(rsp->value(sip::header_id::to));
  ASSERT_FALSE(tag.empty());
  layer.on_message(request("ACK", "SIP/2.0/UDP 10.1.1.1:5062;rport;branch=z9hG4bKbad", tag), from);
  EXPECT_TRUE(tu.acks.empty());
  EXPECT_EQ(sent_count(), 1u);
  // Control: the ACK for a 2xx (another To tag) still goes to the TU.
  layer.on_message(request("ACK", "SIP/2.0/UDP 10.1.1.1:5062;rport;branch=z9hG4bKok", "uas1"),
                   from);
  EXPECT_EQ(tu.acks.size(), 1u);
}

}  // namespace
}  // namespace sipproxy::txn::test
