#include "dns/lookup_plan.hpp"

#include <gtest/gtest.h>

namespace sipproxy::dns {
namespace {

TEST(LookupPlan, NumericHostIsUsedAsIs) {
  auto r = plan_lookup("sip:192.0.2.1:5070");
  ASSERT_TRUE(r.error.empty());
  EXPECT_EQ(r.plan.what, lookup_plan::kind::numeric);
  EXPECT_EQ(r.plan.host, "192.0.2.1");
  EXPECT_EQ(r.plan.port, 5070);
  EXPECT_TRUE(r.plan.srv.empty());
}

TEST(LookupPlan, NumericHostWithoutPortTakesTheDefault) {
  auto r = plan_lookup("sip:192.0.2.1");
  EXPECT_EQ(r.plan.what, lookup_plan::kind::numeric);
  EXPECT_EQ(r.plan.port, 5060);
  EXPECT_FALSE(r.plan.port_given);
}

TEST(LookupPlan, Ipv6ReferenceLosesItsBrackets) {
  auto r = plan_lookup("sip:[2001:db8::1]:5062;transport=tcp");
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.plan.what, lookup_plan::kind::numeric);
  EXPECT_EQ(r.plan.host, "2001:db8::1");
  EXPECT_EQ(r.plan.port, 5062);
  EXPECT_EQ(r.plan.transport, sip_transport::tcp);
}

TEST(LookupPlan, PortGivenMeansAddressRecordsOnly) {
  auto r = plan_lookup("sip:proxy.example.com:5080");
  EXPECT_EQ(r.plan.what, lookup_plan::kind::address);
  EXPECT_EQ(r.plan.host, "proxy.example.com");
  EXPECT_EQ(r.plan.port, 5080);
  EXPECT_TRUE(r.plan.srv.empty());
}

TEST(LookupPlan, NoPortNoTransportAsksUdpThenTcpSrv) {
  auto r = plan_lookup("sip:proxy.example.com");
  ASSERT_EQ(r.plan.what, lookup_plan::kind::srv);
  ASSERT_EQ(r.plan.srv.size(), 2u);
  EXPECT_EQ(r.plan.srv[0].name, "_sip._udp.proxy.example.com");
  EXPECT_EQ(r.plan.srv[0].transport, sip_transport::udp);
  EXPECT_EQ(r.plan.srv[1].name, "_sip._tcp.proxy.example.com");
  EXPECT_EQ(r.plan.port, 5060);  // for the A/AAAA fallback
}

TEST(LookupPlan, TransportParameterPicksTheSrvName) {
  auto r = plan_lookup("sip:proxy.example.com;transport=TCP");
  ASSERT_EQ(r.plan.srv.size(), 1u);
  EXPECT_EQ(r.plan.srv[0].name, "_sip._tcp.proxy.example.com");
  EXPECT_EQ(r.plan.transport, sip_transport::tcp);
  auto u = plan_lookup("sip:proxy.example.com;transport=udp");
  ASSERT_EQ(u.plan.srv.size(), 1u);
  EXPECT_EQ(u.plan.srv[0].name, "_sip._udp.proxy.example.com");
}

TEST(LookupPlan, SipsUsesTlsAnd5061) {
  auto r = plan_lookup("sips:proxy.example.com");
  ASSERT_EQ(r.plan.srv.size(), 1u);
  EXPECT_EQ(r.plan.srv[0].name, "_sips._tcp.proxy.example.com");
  EXPECT_EQ(r.plan.transport, sip_transport::tls);
  EXPECT_EQ(r.plan.port, 5061);
  EXPECT_FALSE(plan_lookup("sips:proxy.example.com;transport=udp").error.empty());
}

TEST(LookupPlan, BareHostPortIsTakenAsSip) {
  auto r = plan_lookup("127.0.0.1:5070");
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.plan.port, 5070);
}

TEST(LookupPlan, Rejections) {
  EXPECT_FALSE(plan_lookup("tel:+15551234").error.empty());
  EXPECT_FALSE(plan_lookup("sip:host;transport=sctp").error.empty());
  EXPECT_FALSE(plan_lookup("sip:").error.empty());
}

TEST(LookupPlan, TargetsFromSrvTakeTheSmallerTtlAndTheSrvPort) {
  srv_record srv{0, 10, 5062, "sp1.example.com", 300};
  std::vector<address_record> addrs = {{boost::asio::ip::make_address("192.0.2.7"), 60},
                                       {boost::asio::ip::make_address("2001:db8::7"), 900}};
  auto t = targets_from_srv(srv, addrs, sip_transport::tcp);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].port, 5062);
  EXPECT_EQ(t[0].ttl, 60u);
  EXPECT_EQ(t[1].ttl, 300u);
  EXPECT_EQ(t[1].transport, sip_transport::tcp);
  EXPECT_TRUE(t[0].from_srv);
  EXPECT_EQ(t[0].name, "sp1.example.com");
}

TEST(LookupPlan, TargetsFromHostUseThePlannedPort) {
  auto plan = plan_lookup("sip:proxy.example.com").plan;
  auto t = targets_from_host(plan, {{boost::asio::ip::make_address("192.0.2.9"), 30}});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].port, 5060);
  EXPECT_EQ(t[0].transport, sip_transport::udp);
  EXPECT_FALSE(t[0].from_srv);
}

}  // namespace
}  // namespace sipproxy::dns
