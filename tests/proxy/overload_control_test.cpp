#include "proxy/overload_control.hpp"

#include <gtest/gtest.h>

namespace sipproxy::proxy {
namespace {

using namespace std::chrono_literals;

class overload_control_test : public ::testing::Test {
 protected:
  overload_control::clock::time_point now{};
  overload_control oc{[this] { return now; }};

  int admitted(int tries) {
    int n = 0;
    for (int i = 0; i < tries; ++i) n += oc.admit();
    return n;
  }
};

TEST_F(overload_control_test, rate_zero_admits_everything) {
  EXPECT_EQ(oc.rate(), 0);
  EXPECT_EQ(admitted(10000), 10000);
  EXPECT_FALSE(oc.overloaded());
  EXPECT_EQ(oc.rejected(), 0u);

  oc.set_rate(0);
  EXPECT_EQ(admitted(100), 100);
  EXPECT_EQ(oc.rejected(), 0u);
}

TEST_F(overload_control_test, negative_rate_is_treated_as_zero) {
  oc.set_rate(-3);
  EXPECT_EQ(oc.rate(), 0);
  EXPECT_EQ(admitted(50), 50);
}

TEST_F(overload_control_test, burst_up_to_the_rate_then_refused) {
  oc.set_rate(5);
  EXPECT_EQ(oc.rate(), 5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(oc.admit()) << i;
  EXPECT_FALSE(oc.admit());
  EXPECT_FALSE(oc.admit());
  EXPECT_EQ(oc.rejected(), 2u);
}

TEST_F(overload_control_test, refills_at_the_rate) {
  oc.set_rate(5);
  EXPECT_EQ(admitted(5), 5);
  EXPECT_FALSE(oc.admit());

  now += 200ms;  // one token
  EXPECT_TRUE(oc.admit());
  EXPECT_FALSE(oc.admit());

  now += 100ms;  // half a token
  EXPECT_FALSE(oc.admit());
  now += 100ms;  // the other half
  EXPECT_TRUE(oc.admit());
  EXPECT_FALSE(oc.admit());

  now += 1s;  // a full bucket
  EXPECT_EQ(admitted(10), 5);
  EXPECT_EQ(oc.rejected(), 9u);
}

TEST_F(overload_control_test, bucket_never_holds_more_than_one_second) {
  oc.set_rate(5);
  now += 1h;
  EXPECT_EQ(admitted(20), 5);
  EXPECT_EQ(oc.rejected(), 15u);
}

TEST_F(overload_control_test, sustained_rate_is_the_rate) {
  oc.set_rate(5);
  EXPECT_EQ(admitted(5), 5);
  int total = 0;
  for (int tick = 0; tick < 100; ++tick) {  // 10 s in 100 ms steps, 2 tries each
    now += 100ms;
    total += admitted(2);
  }
  EXPECT_EQ(total, 50);
}

TEST_F(overload_control_test, overloaded_within_a_second_of_a_refusal) {
  oc.set_rate(5);
  EXPECT_FALSE(oc.overloaded());
  EXPECT_EQ(admitted(5), 5);
  EXPECT_FALSE(oc.overloaded());  // admitted, none refused yet
  EXPECT_FALSE(oc.admit());
  EXPECT_TRUE(oc.overloaded());
  now += 999ms;
  EXPECT_TRUE(oc.overloaded());
  now += 1ms;
  EXPECT_FALSE(oc.overloaded());
  now += 10s;
  EXPECT_FALSE(oc.overloaded());
  EXPECT_EQ(oc.rejected(), 1u);
}

TEST_F(overload_control_test, rate_zero_after_refusals_is_not_overloaded) {
  oc.set_rate(1);
  EXPECT_TRUE(oc.admit());
  EXPECT_FALSE(oc.admit());
  EXPECT_TRUE(oc.overloaded());
  oc.set_rate(0);
  EXPECT_FALSE(oc.overloaded());
  EXPECT_TRUE(oc.admit());
  EXPECT_EQ(oc.rejected(), 1u);
}

TEST_F(overload_control_test, set_rate_fills_the_bucket) {
  oc.set_rate(3);
  EXPECT_EQ(admitted(3), 3);
  EXPECT_FALSE(oc.admit());
  oc.set_rate(3);
  EXPECT_EQ(admitted(4), 3);
  EXPECT_EQ(oc.rejected(), 2u);
}

}  // namespace
}  // namespace sipproxy::proxy
