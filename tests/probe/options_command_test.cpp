#include "probe/options_command.hpp"

#include <gtest/gtest.h>

namespace sipproxy::probe {
namespace {

TEST(OptionsCommand, SummaryCountsLossAndRtt) {
  std::vector<ping_result> r = {{200, "OK", std::chrono::microseconds(1000), ""},
                                {0, "", {}, "no answer"},
                                {503, "Service Unavailable", std::chrono::microseconds(3000), ""},
                                {200, "OK", std::chrono::microseconds(2000), ""}};
  auto s = summarize(r);
  EXPECT_EQ(s.sent, 4);
  EXPECT_EQ(s.answered, 3);
  EXPECT_EQ(s.ok, 2);
  EXPECT_DOUBLE_EQ(s.loss_percent, 25.0);
  EXPECT_DOUBLE_EQ(*s.min_ms, 1.0);
  EXPECT_DOUBLE_EQ(*s.avg_ms, 2.0);
  EXPECT_DOUBLE_EQ(*s.max_ms, 3.0);
}

TEST(OptionsCommand, SummaryOfNothingAnswered) {
  auto s = summarize({{0, "", {}, "no answer"}});
  EXPECT_DOUBLE_EQ(s.loss_percent, 100.0);
  EXPECT_FALSE(s.avg_ms);
}

}  // namespace
}  // namespace sipproxy::probe
