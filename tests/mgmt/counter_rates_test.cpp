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

TEST(CounterRates, RatesAreSinceThePreviousReadAtLeastTheGapOld) {
  counter_rates r;
  clock::time_point t0{};
  r.observe(counters(0, 0), t0);
  // Under min_gap after t0: no rate yet, and not kept.
  EXPECT_TRUE(r.observe(counters(5, 0), t0 + 500ms).is_null());
  json got = r.observe(counters(20, 0), t0 + 2s);
  EXPECT_DOUBLE_EQ(got["window_s"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(got["per_second"]["requests"].get<double>(), 10.0);  // from t0
  // Refreshed every 5 s: each rate is over the last 5 s.
  got = r.observe(counters(60, 0), t0 + 7s);
  EXPECT_DOUBLE_EQ(got["window_s"].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(got["per_second"]["requests"].get<double>(), 8.0);
  // A second reader just after: the read before the newest one is used.
  got = r.observe(counters(61, 0), t0 + 7500ms);
  EXPECT_DOUBLE_EQ(got["window_s"].get<double>(), 5.5);
  EXPECT_DOUBLE_EQ(got["per_second"]["requests"].get<double>(), 41.0 / 5.5);
  // A reload by hand 40 s later: since the read at 7 s (the one at 7.5 s was not kept).
  got = r.observe(counters(140, 0), t0 + 47s);
  EXPECT_DOUBLE_EQ(got["window_s"].get<double>(), 40.0);
  EXPECT_DOUBLE_EQ(got["per_second"]["requests"].get<double>(), 2.0);
  // After more than max_age: no rate, and this read starts again.
  EXPECT_TRUE(r.observe(counters(200, 0), t0 + 120s).is_null());
  EXPECT_TRUE(r.observe(counters(201, 0), t0 + 121s).is_object());
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
