#include "probe/probe_args.hpp"

#include <gtest/gtest.h>

namespace sipproxy::probe {
namespace {

probe_args parse(std::vector<std::string> v) {
  return parse_args(v);
}

TEST(ProbeArgs, DnsWithTypeServerAndJson) {
  auto a = parse({"dns", "proxy.test", "--type", "SRV", "--server", "127.0.0.1:5353", "--json"});
  ASSERT_TRUE(a.error.empty()) << a.error;
  EXPECT_EQ(a.cmd, command::dns);
  EXPECT_EQ(a.dns.name, "proxy.test");
  EXPECT_EQ(a.dns.type, dns_query::srv);
  ASSERT_TRUE(a.server);
  EXPECT_EQ(a.server->port(), 5353);
  EXPECT_TRUE(a.json);
}

TEST(ProbeArgs, DnsDefaultsAndTrailingDot) {
  auto a = parse({"dns", "proxy.test."});
  ASSERT_TRUE(a.error.empty()) << a.error;
  EXPECT_EQ(a.dns.type, dns_query::all);
  EXPECT_EQ(a.dns.name, "proxy.test");
  EXPECT_FALSE(a.server);
  EXPECT_EQ(a.timeout, std::chrono::milliseconds(2000));
}

TEST(ProbeArgs, OptionsCountIntervalTimeoutInlineValues) {
  auto a = parse({"options", "sip:127.0.0.1:5060;transport=tcp", "--count=3", "--interval", "0.2",
                  "--timeout=0.5"});
  ASSERT_TRUE(a.error.empty()) << a.error;
  EXPECT_EQ(a.cmd, command::options);
  EXPECT_EQ(a.options.uri, "sip:127.0.0.1:5060;transport=tcp");
  EXPECT_EQ(a.options.count, 3);
  EXPECT_EQ(a.options.interval, std::chrono::milliseconds(200));
  EXPECT_EQ(a.timeout, std::chrono::milliseconds(500));
}

TEST(ProbeArgs, CheckTakesConfigAndApp) {
  auto a = parse({"check", "--config", "/etc/sipproxy.conf", "--app", "SIPProxy_2"});
  ASSERT_TRUE(a.error.empty()) << a.error;
  EXPECT_EQ(a.cmd, command::check);
  EXPECT_EQ(a.check.config, "/etc/sipproxy.conf");
  EXPECT_EQ(a.check.app, "SIPProxy_2");
}

TEST(ProbeArgs, HelpAnywhere) {
  EXPECT_TRUE(parse({"--help"}).help);
  auto a = parse({"options", "--help"});
  EXPECT_TRUE(a.help);
  EXPECT_EQ(a.cmd, command::options);
  EXPECT_NE(usage(command::options).find("--count"), std::string::npos);
  EXPECT_NE(usage(command::check).find("--config"), std::string::npos);
  EXPECT_NE(usage(command::dns).find("--type"), std::string::npos);
  auto h = parse({"help", "check"});
  EXPECT_TRUE(h.help);
  EXPECT_EQ(h.cmd, command::check);
}

TEST(ProbeArgs, OptionsBeforeTheCommandAndDoubleDash) {
  auto a = parse({"--count=2", "options", "--", "sip:x"});
  ASSERT_TRUE(a.error.empty()) << a.error;
  EXPECT_EQ(a.options.count, 2);
  EXPECT_EQ(a.options.uri, "sip:x");
  EXPECT_FALSE(parse({"options", "--", "--count", "2"}).error.empty());
}

TEST(ProbeArgs, UsageErrorsAreOneLine) {
  std::vector<std::vector<std::string>> bad = {
      {},
      {"ping"},
      {"dns"},
      {"dns", "a.test", "b.test"},
      {"dns", "a.test", "--type", "MX"},
      {"dns", "a.test", "--server", "not-an-ip"},
      {"dns", "a.test", "--server", "127.0.0.1:99999"},
      {"dns", "a.test", "--count", "2"},
      {"options"},
      {"options", "http://x"},
      {"options", "sip:x", "--count", "0"},
      {"options", "sip:x", "--timeout", "-1"},
      {"options", "sip:x", "--interval"},
      {"options", "sip:x", "--bogus"},
      {"check"},
      {"check", "--config", "f", "--type", "A"},
  };
  for (const auto& v : bad) {
    auto a = parse(v);
    std::string line;
    for (const auto& w : v) line += w + " ";
    EXPECT_FALSE(a.error.empty()) << line;
    EXPECT_EQ(a.error.find('\n'), std::string::npos) << line;
  }
}

TEST(ProbeArgs, ServerForms) {
  EXPECT_EQ(parse_server("127.0.0.1")->port(), 53);
  EXPECT_EQ(parse_server("[::1]:5353")->port(), 5353);
  EXPECT_TRUE(parse_server("[::1]:5353")->address().is_v6());
  EXPECT_TRUE(parse_server("::1")->address().is_v6());
  EXPECT_FALSE(parse_server("localhost:53"));
  EXPECT_FALSE(parse_server("[::1"));
}

TEST(ProbeArgs, Seconds) {
  EXPECT_EQ(parse_seconds("1.5", 10), std::chrono::milliseconds(1500));
  EXPECT_EQ(parse_seconds("0.0001", 10), std::chrono::milliseconds(1));
  EXPECT_FALSE(parse_seconds("0", 10));
  EXPECT_FALSE(parse_seconds("11", 10));
  EXPECT_FALSE(parse_seconds("1e3", 10000));
  EXPECT_FALSE(parse_seconds("", 10));
}

}  // namespace
}  // namespace sipproxy::probe
