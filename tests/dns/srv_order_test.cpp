#include "dns/srv_order.hpp"

#include <gtest/gtest.h>

#include <map>

namespace sipproxy::dns {
namespace {

srv_record srv(std::uint16_t priority, std::uint16_t weight, std::string target) {
  return {priority, weight, 5060, std::move(target), 60};
}

std::vector<std::string> targets(const std::vector<srv_record>& v) {
  std::vector<std::string> out;
  for (const auto& r : v) out.push_back(r.target);
  return out;
}

TEST(SrvOrder, LowestPriorityFirst) {
  auto out = order_srv({srv(20, 0, "c"), srv(10, 0, "a"), srv(15, 0, "b")},
                       [](std::uint32_t) { return 0u; });
  EXPECT_EQ(targets(out), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(SrvOrder, DrawPicksByRunningSumOfWeights) {
  // Weights 10 and 30: a draw of 0..10 picks the first, 11..40 the second.
  std::vector<srv_record> in = {srv(1, 10, "light"), srv(1, 30, "heavy")};
  EXPECT_EQ(targets(order_srv(in, [](std::uint32_t) { return 10u; })),
            (std::vector<std::string>{"light", "heavy"}));
  EXPECT_EQ(targets(order_srv(in, [](std::uint32_t) { return 11u; })),
            (std::vector<std::string>{"heavy", "light"}));
}

TEST(SrvOrder, DrawRangeIsTheRemainingTotal) {
  std::vector<std::uint32_t> maxima;
  order_srv({srv(1, 10, "a"), srv(1, 30, "b"), srv(2, 5, "c")}, [&](std::uint32_t max) {
    maxima.push_back(max);
    return max;
  });
  // Priority 1: total 40, draw 40 picks b, then 10 remains; priority 2: 5.
  EXPECT_EQ(maxima, (std::vector<std::uint32_t>{40, 10, 5}));
}

TEST(SrvOrder, ZeroWeightOnlyOnAZeroDraw) {
  std::vector<srv_record> in = {srv(1, 50, "weighted"), srv(1, 0, "zero")};
  EXPECT_EQ(targets(order_srv(in, [](std::uint32_t) { return 0u; })).front(), "zero");
  EXPECT_EQ(targets(order_srv(in, [](std::uint32_t) { return 1u; })).front(), "weighted");
}

TEST(SrvOrder, AllZeroWeightsKeepEveryRecord) {
  auto out =
      order_srv({srv(1, 0, "a"), srv(1, 0, "b"), srv(1, 0, "c")}, [](std::uint32_t) { return 0u; });
  EXPECT_EQ(targets(out), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(SrvOrder, DotTargetMeansNoService) {
  EXPECT_TRUE(order_srv({srv(0, 0, "")}, [](std::uint32_t) { return 0u; }).empty());
}

TEST(SrvOrder, WeightsShapeTheDistribution) {
  std::map<std::string, int> first;
  for (int i = 0; i < 4000; ++i)
    ++first[order_srv({srv(1, 10, "a"), srv(1, 30, "b"), srv(0, 0, "z")})[1].target];
  // "z" (priority 0) always leads; then b about three times as often as a.
  EXPECT_GT(first["b"], 2 * first["a"]);
  EXPECT_GT(first["a"], 500);
}

}  // namespace
}  // namespace sipproxy::dns
