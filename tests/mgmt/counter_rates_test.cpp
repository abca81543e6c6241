#include "mgmt/counter_rates.hpp"

#include <gtest/gtest.h>

namespace sipproxy::mgmt {
namespace {

using namespace std::chrono_literals;
using clock = counter_rates::clock;

json counters(std::uint64_t requests, std::uint64_t retries) {
  return json{{"requests", requests}, {"failover_retries", retries}};
}

TEST(CounterRates, FirstReadHasNoRateTheNextHasTheChangePerSecond) {
  counter_rates r;
  clock::time_point t0{};
  EXPECT_TRUE(r.observe(counters(100, 3), t0).is_null());
  json got = r.observe(counters(150, 3), t0 + 5s);
  ASSERT_TRUE(got.is_object()) << got;
  EXPECT_DOUBLE_EQ(got["window_s"].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(got["per_second"]["requests"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(got["per_second"]["failover_retries"].get<double>(), 0.0);
}

TEST(CounterRates, ReadsCloserThanTheGapAreNotKeptAndTheWindowSlides) {
  counter_rates r;
  clock::time_point t0{};
  r.observe(counters(0, 0), t0);
  r.observe(counters(5, 0), t0 + 500ms);  // not kept: under min_gap after t0
  json got = r.observe(counters(20, 0), t0 + 2s);
  EXPECT_DOUBLE_EQ(got["per_second"]["requests"].get<double>(), 10.0);  // from t0
  // Past the window, t0 is dropped: the rate is from the 2 s sample.
  got = r.observe(counters(60, 0), t0 + 12s);
  EXPECT_DOUBLE_EQ(got["window_s"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(got["per_second"]["requests"].get<double>(), 4.0);
  // A long pause: nothing in the window, no rate, and this read starts again.
  EXPECT_TRUE(r.observe(counters(60, 0), t0 + 60s).is_null());
  EXPECT_TRUE(r.observe(counters(61, 0), t0 + 61s).is_object());
}

TEST(CounterRates, ACounterThatWentDownOrIsNotANumberHasNoRate) {
  counter_rates r;
  clock::time_point t0{};
  r.observe(json{{"requests", 10}, {"odd", "x"}, {"new_later", nullptr}}, t0);
  json got = r.observe(json{{"requests", 4}, {"odd", 3}, {"new_later", 1}}, t0 + 2s);
  EXPECT_TRUE(got["per_second"].empty()) << got;
  EXPECT_TRUE(r.observe(json("not counters"), t0 + 4s)["per_second"].empty());
}

}  // namespace
}  // namespace sipproxy::mgmt
