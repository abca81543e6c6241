#include "probe/options_pinger.hpp"

#include <gtest/gtest.h>

namespace sipproxy::probe {
namespace {

std::string response(int status, std::string_view reason, std::string_view branch,
                     std::string_view method = "OPTIONS") {
  std::string r = "SIP/2.0 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  r += "Via: SIP/2.0/UDP 127.0.0.1:40000;branch=" + std::string(branch) + "\r\n";
  r += "From: <sip:sipproxy@127.0.0.1:40000>;tag=a\r\nTo: <sip:x>;tag=b\r\n";
  r += "Call-ID: c@127.0.0.1\r\nCSeq: 1 " + std::string(method) + "\r\nContent-Length: 0\r\n\r\n";
  return r;
}

TEST(OptionsPinger, MatchesOurFinalResponse) {
  int status = 0;
  std::string reason;
  EXPECT_TRUE(match_response(response(200, "OK", "z9hG4bKabc"), "z9hG4bKabc", status, reason));
  EXPECT_EQ(status, 200);
  EXPECT_EQ(reason, "OK");
  EXPECT_TRUE(match_response(response(503, "Service Unavailable", "z9hG4bKabc"), "z9hG4bKabc",
                             status, reason));
  EXPECT_EQ(status, 503);
}

TEST(OptionsPinger, IgnoresProvisionalStrangersAndGarbage) {
  int status = 0;
  std::string reason;
  EXPECT_FALSE(match_response(response(100, "Trying", "z9hG4bKabc"), "z9hG4bKabc", status, reason));
  EXPECT_FALSE(match_response(response(200, "OK", "z9hG4bKother"), "z9hG4bKabc", status, reason));
  EXPECT_FALSE(
      match_response(response(200, "OK", "z9hG4bKabc", "INVITE"), "z9hG4bKabc", status, reason));
  EXPECT_FALSE(match_response("hello", "z9hG4bKabc", status, reason));
  EXPECT_FALSE(match_response("", "z9hG4bKabc", status, reason));
  EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace sipproxy::probe
