#include "txn/timer_queue.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sipproxy::txn {
namespace {

using namespace std::chrono_literals;

struct manual_clock_queue : ::testing::Test {
  timer_queue::time_point now{};
  timer_queue q{[this] { return now; }};
  std::vector<std::string> fired;

  std::function<void()> record(std::string name) {
    return [this, name] { fired.push_back(name); };
  }
};

TEST_F(manual_clock_queue, nothing_runs_before_its_deadline) {
  q.after(100ms, record("a"));
  now += 99ms;
  q.run_due();
  EXPECT_TRUE(fired.empty());
  EXPECT_EQ(q.size(), 1u);
  now += 1ms;
  q.run_due();
  EXPECT_EQ(fired, (std::vector<std::string>{"a"}));
  EXPECT_EQ(q.size(), 0u);
}

TEST_F(manual_clock_queue, runs_in_deadline_order_not_insertion_order) {
  q.after(300ms, record("c"));
  q.after(100ms, record("a"));
  q.after(200ms, record("b"));
  now += 1s;
  q.run_due();
  EXPECT_EQ(fired, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(manual_clock_queue, equal_deadlines_run_in_creation_order) {
  q.after(50ms, record("first"));
  q.after(50ms, record("second"));
  q.after(50ms, record("third"));
  now += 50ms;
  q.run_due();
  EXPECT_EQ(fired, (std::vector<std::string>{"first", "second", "third"}));
}

TEST_F(manual_clock_queue, only_due_timers_run) {
  q.after(100ms, record("a"));
  q.after(500ms, record("b"));
  now += 200ms;
  q.run_due();
  EXPECT_EQ(fired, (std::vector<std::string>{"a"}));
  ASSERT_TRUE(q.next_deadline());
  EXPECT_EQ(*q.next_deadline(), timer_queue::time_point{} + 500ms);
}

TEST_F(manual_clock_queue, cancelled_timer_never_runs) {
  auto a = q.after(100ms, record("a"));
  q.after(200ms, record("b"));
  q.cancel(a);
  EXPECT_EQ(q.size(), 1u);
  now += 1s;
  q.run_due();
  EXPECT_EQ(fired, (std::vector<std::string>{"b"}));
}

TEST_F(manual_clock_queue, cancel_of_unknown_or_zero_id_is_harmless) {
  auto a = q.after(100ms, record("a"));
  q.cancel(0);
  q.cancel(a + 1000);
  now += 100ms;
  q.run_due();
  EXPECT_EQ(fired, (std::vector<std::string>{"a"}));
  q.cancel(a);  // already fired
  EXPECT_EQ(q.size(), 0u);
}

TEST_F(manual_clock_queue, next_deadline_skips_cancelled_entries) {
  auto a = q.after(100ms, record("a"));
  q.after(300ms, record("b"));
  ASSERT_TRUE(q.next_deadline());
  EXPECT_EQ(*q.next_deadline(), timer_queue::time_point{} + 100ms);
  q.cancel(a);
  ASSERT_TRUE(q.next_deadline());
  EXPECT_EQ(*q.next_deadline(), timer_queue::time_point{} + 300ms);
}

TEST_F(manual_clock_queue, empty_queue_has_no_deadline) {
  EXPECT_FALSE(q.next_deadline());
  auto a = q.after(1s, record("a"));
  q.cancel(a);
  EXPECT_FALSE(q.next_deadline());
}

TEST_F(manual_clock_queue, ids_are_unique_and_nonzero) {
  auto a = q.after(1s, record("a"));
  auto b = q.after(1s, record("b"));
  EXPECT_NE(a, 0u);
  EXPECT_NE(b, 0u);
  EXPECT_NE(a, b);
}

TEST_F(manual_clock_queue, at_uses_an_absolute_deadline) {
  now += 10s;
  q.at(timer_queue::time_point{} + 10s + 5ms, record("abs"));
  q.run_due();
  EXPECT_TRUE(fired.empty());
  now += 5ms;
  q.run_due();
  EXPECT_EQ(fired, (std::vector<std::string>{"abs"}));
}

TEST_F(manual_clock_queue, timer_armed_from_a_callback_for_later_waits) {
  q.after(100ms, [this] {
    fired.push_back("outer");
    q.after(100ms, record("inner"));
  });
  now += 100ms;
  q.run_due();
  EXPECT_EQ(fired, (std::vector<std::string>{"outer"}));
  now += 100ms;
  q.run_due();
  EXPECT_EQ(fired, (std::vector<std::string>{"outer", "inner"}));
}

TEST_F(manual_clock_queue, callback_may_cancel_a_later_timer) {
  timer_queue::timer_id b = 0;
  q.after(100ms, [this, &b] {
    fired.push_back("a");
    q.cancel(b);
  });
  b = q.after(100ms, record("b"));
  now += 1s;
  q.run_due();
  EXPECT_EQ(fired, (std::vector<std::string>{"a"}));
}

TEST_F(manual_clock_queue, on_new_earliest_reports_only_earlier_deadlines) {
  std::vector<timer_queue::time_point> reported;
  q.on_new_earliest = [&](timer_queue::time_point t) { reported.push_back(t); };
  q.after(500ms, record("a"));
  q.after(900ms, record("b"));
  q.after(100ms, record("c"));
  ASSERT_EQ(reported.size(), 2u);
  EXPECT_EQ(reported[0], timer_queue::time_point{} + 500ms);
  EXPECT_EQ(reported[1], timer_queue::time_point{} + 100ms);
}

}  // namespace
}  // namespace sipproxy::txn
