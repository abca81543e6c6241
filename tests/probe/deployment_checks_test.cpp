#include "probe/deployment_checks.hpp"

#include <gtest/gtest.h>

namespace sipproxy::probe {
namespace {

using boost::asio::ip::make_address;

std::vector<instance> pool() {
  return {{"SIPProxy_1", "127.0.0.1", 5060, {make_address("127.0.0.1")}, ""},
          {"SIPProxy_2", "sp2.test", 5062, {make_address("127.0.0.2")}, ""}};
}

TEST(DeploymentChecks, AppNameFromSipproxyApplications) {
  EXPECT_EQ(deployment_app_name("[sipproxy]\nsipproxy-applications = B , A ; pool\n"
                                "[A]\ntype = sip-proxy\n[B]\ntype = sip-proxy\n"),
            "B");
}

TEST(DeploymentChecks, AppNameFallsBackToFirstProxySection) {
  EXPECT_EQ(deployment_app_name("[sipproxy]\napplications = S\n[S]\ntype = sip-server\n"
                                "[P]\ntype = sip-proxy\n[Q]\ntype = sip-proxy\n"),
            "P");
  EXPECT_EQ(deployment_app_name("[sipproxy]\n"), "");
}

TEST(DeploymentChecks, SplitHostPort) {
  auto a = split_host_port("proxy.test:5060");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "proxy.test");
  EXPECT_EQ(a->port, 5060);
  EXPECT_FALSE(split_host_port("proxy.test")->port);
  EXPECT_EQ(split_host_port("[::1]:5070")->host, "::1");
  EXPECT_EQ(split_host_port("::1")->host, "::1");
  EXPECT_FALSE(split_host_port("host:0"));
  EXPECT_FALSE(split_host_port(":5060"));
}

TEST(DeploymentChecks, ContactCoversThePool) {
  std::vector<dns::address_record> a = {{make_address("127.0.0.1"), 60},
                                        {make_address("127.0.0.2"), 60}};
  auto line = evaluate_contact("proxy.test", {}, a, pool());
  EXPECT_EQ(line.result, check_line::verdict::ok) << line.detail;
}

TEST(DeploymentChecks, ContactMissingAnInstanceNamesIt) {
  std::vector<dns::address_record> a = {{make_address("127.0.0.1"), 60}};
  auto line = evaluate_contact("proxy.test", {}, a, pool());
  EXPECT_EQ(line.result, check_line::verdict::fail);
  EXPECT_NE(line.detail.find("SIPProxy_2"), std::string::npos) << line.detail;
  EXPECT_EQ(line.detail.find("SIPProxy_1"), std::string::npos) << line.detail;
}

TEST(DeploymentChecks, SrvMustListEveryInstanceAtItsPort) {
  std::vector<srv_endpoint> e = {{"sp1.test", make_address("127.0.0.1"), 5060},
                                 {"sp2.test", make_address("127.0.0.2"), 5062}};
  EXPECT_EQ(evaluate_srv("_sip._udp.proxy.test", {}, e, pool()).result, check_line::verdict::ok);
  e[1].port = 5060;  // right host, wrong port
  auto line = evaluate_srv("_sip._udp.proxy.test", {}, e, pool());
  EXPECT_EQ(line.result, check_line::verdict::fail);
  EXPECT_NE(line.detail.find("SIPProxy_2"), std::string::npos) << line.detail;
}

TEST(DeploymentChecks, SrvWithoutRecordsFails) {
  auto line = evaluate_srv("_sip._udp.proxy.test", {}, {}, pool());
  EXPECT_EQ(line.result, check_line::verdict::fail);
}

TEST(DeploymentChecks, PingVerdicts) {
  ping_result ok{200, "OK", std::chrono::microseconds(1500), ""};
  ping_result inactive{503, "Service Unavailable", std::chrono::microseconds(900), ""};
  ping_result silent{0, "", {}, "no answer within 2 s"};
  EXPECT_EQ(evaluate_ping("x", "t", ok, false).result, check_line::verdict::ok);
  EXPECT_EQ(evaluate_ping("x", "t", inactive, false).result, check_line::verdict::fail);
  auto member = evaluate_ping("x", "t", inactive, true);
  EXPECT_EQ(member.result, check_line::verdict::ok);
  EXPECT_NE(member.detail.find("inactive"), std::string::npos);
  auto none = evaluate_ping("x", "t", silent, true);
  EXPECT_EQ(none.result, check_line::verdict::fail);
  EXPECT_EQ(none.detail, "no answer within 2 s");
}

}  // namespace
}  // namespace sipproxy::probe
