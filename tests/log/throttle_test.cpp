#include "log/throttle.hpp"

#include <gtest/gtest.h>

namespace sipproxy::log {
namespace {

using namespace std::chrono_literals;

struct fake_clock {
  throttle::clock::time_point t{};
  std::function<throttle::clock::time_point()> fn() {
    return [this] { return t; };
  }
};

TEST(throttle, first_occurrence_is_written) {
  fake_clock c;
  throttle t(1s, c.fn());
  EXPECT_EQ(t.allow(), 0u);
}

TEST(throttle, repeats_within_the_interval_are_held_back_and_counted) {
  fake_clock c;
  throttle t(1s, c.fn());
  ASSERT_TRUE(t.allow());
  c.t += 100ms;
  EXPECT_FALSE(t.allow());
  c.t += 100ms;
  EXPECT_FALSE(t.allow());
  c.t += 1s;
  // The next line says how many were not written.
  EXPECT_EQ(t.allow(), 2u);
  c.t += 1s;
  EXPECT_EQ(t.allow(), 0u);
}

TEST(throttle, a_flood_writes_one_line_per_interval) {
  fake_clock c;
  throttle t(1s, c.fn());
  int written = 0;
  for (int i = 0; i < 1000; ++i) {  // 1000 occurrences over 10 s
    if (t.allow()) ++written;
    c.t += 10ms;
  }
  EXPECT_EQ(written, 10);
}

}  // namespace
}  // namespace sipproxy::log
