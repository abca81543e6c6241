#include "config/test_timers.hpp"

#include <gtest/gtest.h>

namespace sipproxy::config {
namespace {

using std::chrono::milliseconds;

TEST(test_timers, defaults_are_the_real_values) {
  test_timers t;
  EXPECT_EQ(t.probe_deadline, milliseconds(1000));
  EXPECT_EQ(t.heartbeat, milliseconds(2000));
  EXPECT_EQ(t.digest_check, milliseconds(10000));
  EXPECT_EQ(t.reconnect, milliseconds(1000));
  EXPECT_EQ(t.dns_refresh_floor, milliseconds(5000));
  EXPECT_EQ(t.drain, milliseconds(5000));
}

TEST(test_timers, empty_text_changes_nothing) {
  test_timers t;
  std::string error;
  EXPECT_TRUE(parse_test_timers("", t, error));
  EXPECT_TRUE(parse_test_timers(" , ,", t, error));
  EXPECT_EQ(t, test_timers{});
}

TEST(test_timers, every_key_in_ms_or_s) {
  test_timers t;
  std::string error;
  ASSERT_TRUE(
      parse_test_timers("probe-deadline=300ms, heartbeat=200ms,digest-check=1s,reconnect=100ms,"
                        "dns-refresh-floor=500ms, drain = 2s",
                        t, error))
      << error;
  EXPECT_EQ(t.probe_deadline, milliseconds(300));
  EXPECT_EQ(t.heartbeat, milliseconds(200));
  EXPECT_EQ(t.digest_check, milliseconds(1000));
  EXPECT_EQ(t.reconnect, milliseconds(100));
  EXPECT_EQ(t.dns_refresh_floor, milliseconds(500));
  EXPECT_EQ(t.drain, milliseconds(2000));
  EXPECT_EQ(describe(t),
            "probe-deadline=300ms, heartbeat=200ms, digest-check=1000ms, reconnect=100ms, "
            "dns-refresh-floor=500ms, drain=2000ms");
}

TEST(test_timers, keys_not_given_keep_their_values) {
  test_timers t;
  std::string error;
  ASSERT_TRUE(parse_test_timers("heartbeat=250ms", t, error)) << error;
  test_timers expected;
  expected.heartbeat = milliseconds(250);
  EXPECT_EQ(t, expected);
}

TEST(test_timers, range_bounds) {
  test_timers t;
  std::string error;
  EXPECT_TRUE(parse_test_timers("drain=10ms", t, error)) << error;
  EXPECT_EQ(t.drain, milliseconds(10));
  EXPECT_TRUE(parse_test_timers("drain=600s", t, error)) << error;
  EXPECT_EQ(t.drain, milliseconds(600000));
  for (const char* bad :
       {"drain=9ms", "drain=601s", "drain=0s", "drain=600001ms", "drain=99999999999999999999s"}) {
    test_timers u;
    error.clear();
    EXPECT_FALSE(parse_test_timers(bad, u, error)) << bad;
    EXPECT_NE(error.find("10ms to 600s"), std::string::npos) << error;
    EXPECT_EQ(u, test_timers{}) << bad;
  }
}

TEST(test_timers, malformed_items_are_refused_and_change_nothing) {
  for (const char* bad : {"heartbeat", "heartbeat=", "heartbeat=2", "heartbeat=2m", "heartbeat=-1s",
                          "heartbeat=1.5s", "heartbeat=s", "heartbeat=2 s"}) {
    test_timers t;
    std::string error;
    EXPECT_FALSE(parse_test_timers(bad, t, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
    EXPECT_EQ(t, test_timers{}) << bad;
  }
}

TEST(test_timers, unknown_key_names_the_valid_keys) {
  test_timers t;
  std::string error;
  EXPECT_FALSE(parse_test_timers("heartbeat=1s,hartbeat=1s", t, error));
  EXPECT_NE(error.find("unknown timer 'hartbeat'"), std::string::npos) << error;
  EXPECT_NE(error.find("probe-deadline, heartbeat, digest-check, reconnect, dns-refresh-floor, "
                       "drain"),
            std::string::npos)
      << error;
  EXPECT_EQ(t, test_timers{});  // the valid first item is not applied either
}

}  // namespace
}  // namespace sipproxy::config
