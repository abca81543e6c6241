#include "mgmt/token_guard.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sipproxy::mgmt {
namespace {

using namespace std::chrono_literals;
using clock = token_guard::clock;

TEST(token_guard, locks_out_after_max_failures_within_the_window) {
  token_guard g({.max_failures = 3, .window = 60s, .lockout = 300s});
  clock::time_point t{};
  t += 1000s;
  EXPECT_FALSE(g.record_failure("192.0.2.1", t));
  EXPECT_FALSE(g.record_failure("192.0.2.1", t + 1s));
  EXPECT_EQ(g.locked_for("192.0.2.1", t + 1s), 0);
  EXPECT_TRUE(g.record_failure("192.0.2.1", t + 2s));
  EXPECT_EQ(g.locked_for("192.0.2.1", t + 2s), 300);
  EXPECT_EQ(g.locked_for("192.0.2.1", t + 301s), 1);
  EXPECT_EQ(g.locked_for("192.0.2.1", t + 302s), 0);
  // Another source is not affected.
  EXPECT_EQ(g.locked_for("192.0.2.2", t + 2s), 0);
}

TEST(token_guard, failures_spread_wider_than_the_window_do_not_lock) {
  token_guard g({.max_failures = 3, .window = 60s, .lockout = 300s});
  clock::time_point t{};
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(g.record_failure("a", t + i * 31s)) << i;
  EXPECT_EQ(g.locked_for("a", t + 400s), 0);
}

TEST(token_guard, the_right_token_clears_earlier_failures) {
  token_guard g({.max_failures = 3, .window = 60s, .lockout = 300s});
  clock::time_point t{};
  g.record_failure("a", t);
  g.record_failure("a", t);
  g.record_success("a");
  EXPECT_FALSE(g.record_failure("a", t));
  EXPECT_FALSE(g.record_failure("a", t));
  EXPECT_TRUE(g.record_failure("a", t));
}

TEST(token_guard, log_lines_are_rate_limited_and_the_held_back_ones_counted) {
  token_guard g({.window = 60s, .log_burst = 2});
  clock::time_point t{};
  t += 100s;
  std::size_t suppressed = 99;
  EXPECT_TRUE(g.may_log(t, suppressed));
  EXPECT_EQ(suppressed, 0u);
  EXPECT_TRUE(g.may_log(t, suppressed));
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(g.may_log(t + 1s, suppressed));
  EXPECT_TRUE(g.may_log(t + 61s, suppressed));
  EXPECT_EQ(suppressed, 1000u);
}

TEST(token_guard, the_source_table_is_bounded) {
  token_guard g({.max_failures = 2, .window = 60s, .lockout = 300s, .max_sources = 100});
  clock::time_point t{};
  for (int i = 0; i < 10000; ++i) g.record_failure("10.0." + std::to_string(i), t);
  EXPECT_LE(g.sources(), 100u);
  // A locked-out source survives a flood of one-off failures from others: they are
  // evicted first.
  token_guard h({.max_failures = 2, .window = 60s, .lockout = 300s, .max_sources = 10});
  h.record_failure("attacker", t);
  h.record_failure("attacker", t);
  for (int i = 0; i < 100; ++i) h.record_failure("x" + std::to_string(i), t + 1s);
  EXPECT_EQ(h.locked_for("attacker", t + 1s), 299);
  EXPECT_LE(h.sources(), 10u);
}

}  // namespace
}  // namespace sipproxy::mgmt
