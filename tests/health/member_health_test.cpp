#include "health/member_health.hpp"

#include <gtest/gtest.h>

namespace sipproxy::health {
namespace {

using namespace std::chrono_literals;
using routing::member_state;

// oos-check / oos-force used throughout; distinct so the tests can tell them apart.
constexpr int check = 7;
constexpr int force = 11;

member_health out_of_service() {
  member_health h;
  h.on_result(verdict::silent);
  h.on_result(verdict::silent);
  EXPECT_EQ(h.state(), member_state::out_of_service);
  return h;
}

TEST(member_health, starts_active_and_probes_every_oos_check) {
  member_health h;
  EXPECT_EQ(h.state(), member_state::active);
  EXPECT_EQ(h.failures(), 0);
  EXPECT_EQ(h.successes(), 0);
  EXPECT_EQ(h.next_probe_in(check, force), 7000ms);
}

TEST(member_health, one_lost_probe_never_changes_state) {
  member_health h;
  EXPECT_FALSE(h.on_result(verdict::silent));
  EXPECT_EQ(h.state(), member_state::active);
  EXPECT_EQ(h.failures(), 1);
  // A first miss is confirmed at once.
  EXPECT_EQ(h.next_probe_in(check, force), 0ms);
}

TEST(member_health, an_answer_after_one_miss_resets_the_count) {
  member_health h;
  h.on_result(verdict::silent);
  EXPECT_FALSE(h.on_result(verdict::alive));
  EXPECT_EQ(h.failures(), 0);
  EXPECT_EQ(h.successes(), 0);
  EXPECT_FALSE(h.on_result(verdict::silent));
  EXPECT_EQ(h.state(), member_state::active);
  EXPECT_EQ(h.failures(), 1);
}

TEST(member_health, two_lost_probes_in_a_row_make_it_out_of_service) {
  member_health h;
  EXPECT_FALSE(h.on_result(verdict::silent));
  EXPECT_TRUE(h.on_result(verdict::silent));
  EXPECT_EQ(h.state(), member_state::out_of_service);
  EXPECT_EQ(h.failures(), 0);
  // Out of service: probed every oos-force seconds.
  EXPECT_EQ(h.next_probe_in(check, force), 11000ms);
  // Further misses keep it there without changing anything.
  EXPECT_FALSE(h.on_result(verdict::silent));
  EXPECT_EQ(h.state(), member_state::out_of_service);
  EXPECT_EQ(h.next_probe_in(check, force), 11000ms);
}

TEST(member_health, one_answer_after_out_of_service_does_not_restore) {
  member_health h = out_of_service();
  EXPECT_FALSE(h.on_result(verdict::alive));
  EXPECT_EQ(h.state(), member_state::out_of_service);
  EXPECT_EQ(h.successes(), 1);
  // The confirming probe goes confirm_interval later.
  EXPECT_EQ(h.next_probe_in(check, force), 1000ms);
}

TEST(member_health, two_answers_after_out_of_service_restore) {
  member_health h = out_of_service();
  EXPECT_FALSE(h.on_result(verdict::alive));
  EXPECT_TRUE(h.on_result(verdict::alive));
  EXPECT_EQ(h.state(), member_state::active);
  EXPECT_EQ(h.successes(), 0);
  EXPECT_EQ(h.next_probe_in(check, force), 7000ms);
}

TEST(member_health, a_miss_between_answers_restarts_the_rise_count) {
  member_health h = out_of_service();
  h.on_result(verdict::alive);
  EXPECT_FALSE(h.on_result(verdict::silent));
  EXPECT_EQ(h.successes(), 0);
  EXPECT_FALSE(h.on_result(verdict::alive));
  EXPECT_EQ(h.state(), member_state::out_of_service);
  EXPECT_TRUE(h.on_result(verdict::alive));
  EXPECT_EQ(h.state(), member_state::active);
}

TEST(member_health, a_503_makes_it_inactive_at_once) {
  member_health h;
  EXPECT_TRUE(h.on_result(verdict::unavailable));
  EXPECT_EQ(h.state(), member_state::inactive);
  EXPECT_EQ(h.failures(), 0);
  EXPECT_EQ(h.successes(), 0);
  // No Retry-After: probed every oos-check seconds.
  EXPECT_EQ(h.next_probe_in(check, force), 7000ms);
}

TEST(member_health, a_503_from_out_of_service_makes_it_inactive) {
  member_health h = out_of_service();
  EXPECT_TRUE(h.on_result(verdict::unavailable));
  EXPECT_EQ(h.state(), member_state::inactive);
}

TEST(member_health, inactive_waits_for_the_longer_of_oos_check_and_retry_after) {
  member_health longer;
  longer.on_result(verdict::unavailable, 20s);
  EXPECT_EQ(longer.next_probe_in(check, force), 20000ms);

  member_health shorter;
  shorter.on_result(verdict::unavailable, 3s);
  EXPECT_EQ(shorter.next_probe_in(check, force), 7000ms);
}

TEST(member_health, a_503_then_two_answers_is_active_again) {
  member_health h;
  h.on_result(verdict::unavailable, 20s);
  EXPECT_FALSE(h.on_result(verdict::alive));
  EXPECT_EQ(h.state(), member_state::inactive);
  EXPECT_EQ(h.next_probe_in(check, force), 1000ms);
  EXPECT_TRUE(h.on_result(verdict::alive));
  EXPECT_EQ(h.state(), member_state::active);
  // Retry-After forgotten once it answers.
  EXPECT_EQ(h.next_probe_in(check, force), 7000ms);
}

TEST(member_health, an_inactive_member_that_stops_answering_goes_out_of_service) {
  member_health h;
  h.on_result(verdict::unavailable);
  EXPECT_FALSE(h.on_result(verdict::silent));
  EXPECT_EQ(h.state(), member_state::inactive);
  EXPECT_EQ(h.next_probe_in(check, force), 0ms);
  EXPECT_TRUE(h.on_result(verdict::silent));
  EXPECT_EQ(h.state(), member_state::out_of_service);
}

TEST(member_health, restore_makes_it_active_and_clears_counts) {
  member_health h = out_of_service();
  h.on_result(verdict::alive);
  ASSERT_EQ(h.successes(), 1);
  h.restore();
  EXPECT_EQ(h.state(), member_state::active);
  EXPECT_EQ(h.failures(), 0);
  EXPECT_EQ(h.successes(), 0);
  EXPECT_EQ(h.next_probe_in(check, force), 7000ms);

  member_health inactive;
  inactive.on_result(verdict::unavailable, 20s);
  inactive.restore();
  EXPECT_EQ(inactive.state(), member_state::active);
  EXPECT_EQ(inactive.next_probe_in(check, force), 7000ms);
}

TEST(member_health, custom_policy_thresholds) {
  probe_policy p;
  p.fall = 3;
  p.rise = 1;
  member_health h(p);
  EXPECT_FALSE(h.on_result(verdict::silent));
  EXPECT_FALSE(h.on_result(verdict::silent));
  EXPECT_EQ(h.state(), member_state::active);
  EXPECT_TRUE(h.on_result(verdict::silent));
  EXPECT_EQ(h.state(), member_state::out_of_service);
  EXPECT_TRUE(h.on_result(verdict::alive));
  EXPECT_EQ(h.state(), member_state::active);
}

}  // namespace
}  // namespace sipproxy::health
