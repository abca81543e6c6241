#include "proxy/branch.hpp"

#include <gtest/gtest.h>

#include <string>

#include "sip/parser.hpp"

namespace sipproxy::proxy {
namespace {

struct fields {
  std::string ruri = "sip:bob@example.com";
  std::string via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKua1";
  std::string from_tag = "a1";
  std::string to = "<sip:bob@example.com>";
  std::string call_id = "loop-1";
  std::string cseq = "7 INVITE";
  std::string extra;
};

sip::message_ptr make(const fields& f) {
  std::string m = "INVITE " + f.ruri + " SIP/2.0\r\n" + "Via: " + f.via + "\r\n" +
                  "Max-Forwards: 70\r\n" + "From: <sip:alice@example.com>;tag=" + f.from_tag +
                  "\r\n" + "To: " + f.to + "\r\n" + "Call-ID: " + f.call_id + "\r\n" +
                  "CSeq: " + f.cseq + "\r\n" + f.extra + "Content-Length: 0\r\n\r\n";
  auto r = sip::parse(m);
  EXPECT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  return r.msg;
}

std::string hash_of(const fields& f) {
  return loop_hash(*make(f));
}

TEST(branch, loop_hash_is_16_hex_digits) {
  std::string h = hash_of({});
  ASSERT_EQ(h.size(), 16u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos) << h;
}

TEST(branch, loop_hash_stable_for_identical_requests) {
  EXPECT_EQ(hash_of({}), hash_of({}));
}

TEST(branch, loop_hash_ignores_what_a_proxy_changes) {
  fields f;
  f.via = "SIP/2.0/UDP other.example.com;branch=z9hG4bKzzz";
  f.extra = "Subject: unrelated\r\n";
  EXPECT_EQ(hash_of(f), hash_of({}));
  fields mf;
  mf.extra = "X-Hop: 1\r\n";
  EXPECT_EQ(hash_of(mf), hash_of({}));
}

TEST(branch, loop_hash_changes_with_request_uri) {
  fields f;
  f.ruri = "sip:bob@192.0.2.99";
  EXPECT_NE(hash_of(f), hash_of({}));
}

TEST(branch, loop_hash_changes_with_call_id) {
  fields f;
  f.call_id = "loop-2";
  EXPECT_NE(hash_of(f), hash_of({}));
}

TEST(branch, loop_hash_changes_with_from_tag) {
  fields f;
  f.from_tag = "a2";
  EXPECT_NE(hash_of(f), hash_of({}));
}

TEST(branch, loop_hash_changes_with_to_tag_and_cseq_and_route) {
  fields to;
  to.to = "<sip:bob@example.com>;tag=b1";
  EXPECT_NE(hash_of(to), hash_of({}));
  fields cs;
  cs.cseq = "8 INVITE";
  EXPECT_NE(hash_of(cs), hash_of({}));
  fields rt;
  rt.extra = "Route: <sip:edge.example.com;lr>\r\n";
  EXPECT_NE(hash_of(rt), hash_of({}));
  fields pr;
  pr.extra = "Proxy-Require: foo\r\n";
  EXPECT_NE(hash_of(pr), hash_of({}));
}

TEST(branch, fields_do_not_run_into_each_other) {
  // Moving a character from the Request-URI into the From tag must change the hash.
  fields a;
  a.ruri = "sip:bob@example.co";
  a.from_tag = "ma1";
  fields b;
  b.ruri = "sip:bob@example.com";
  b.from_tag = "a1";
  EXPECT_NE(hash_of(a), hash_of(b));
}

TEST(branch, stateful_branch_has_magic_cookie_and_hash) {
  std::string h = hash_of({});
  std::string b = stateful_branch(h, 1);
  EXPECT_EQ(b.rfind("z9hG4bK", 0), 0u) << b;
  EXPECT_EQ(b.rfind(branch_prefix, 0), 0u) << b;
  EXPECT_EQ(b, std::string(branch_prefix) + h + ".0000000000000001");
  EXPECT_EQ(branch_hash(b), h);
}

TEST(branch, stateful_branch_nonce_is_16_hex_digits_and_distinguishes_forks) {
  std::string h = hash_of({});
  std::string b1 = stateful_branch(h, 1);
  std::string b2 = stateful_branch(h, 2);
  EXPECT_NE(b1, b2);
  EXPECT_EQ(branch_hash(b1), branch_hash(b2));
  EXPECT_EQ(stateful_branch(h, 255), std::string(branch_prefix) + h + ".00000000000000ff");
}

TEST(branch, branch_hash_of_foreign_branches_is_empty) {
  EXPECT_EQ(branch_hash("z9hG4bK776asdhds"), "");
  EXPECT_EQ(branch_hash("z9hG4bKsp0123"), "");
  EXPECT_EQ(branch_hash("z9hG4bKsp0123456789abcdefX1"), "");
  EXPECT_EQ(branch_hash(""), "");
  EXPECT_EQ(branch_hash("z9hG4bKsp0123456789abcdef.0"), "0123456789abcdef");
}

TEST(branch, stateless_branch_is_deterministic) {
  std::string a = stateless_branch("SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKack1");
  std::string b = stateless_branch("SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKack1");
  std::string c = stateless_branch("SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKack2");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a.rfind("z9hG4bK", 0), 0u) << a;
  EXPECT_EQ(branch_hash(a), "");  // never mistaken for a stateful branch of ours
}

}  // namespace
}  // namespace sipproxy::proxy
