#include "cluster/change_confirmer.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <vector>

namespace sipproxy::cluster {
namespace {

using registrar::confirmation;

struct confirmer : ::testing::Test {
  boost::asio::io_context io;
  std::chrono::milliseconds wait{300};
  change_confirmer c{io, "the test's peers", [this] { return wait; }};
  std::vector<confirmation> got;
  registrar::confirmation_handler record() {
    return [this](confirmation r) { got.push_back(r); };
  }
};

TEST_F(confirmer, confirms_once_the_changes_before_the_wait_are_acknowledged) {
  c.next();
  std::uint64_t mine = c.next();
  c.wait(record());
  c.next();  // a later change does not hold it back
  c.acknowledged(mine - 1);
  EXPECT_TRUE(got.empty());
  c.acknowledged(mine);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], confirmation::confirmed);
  EXPECT_EQ(c.waiting(), 0u);
  EXPECT_EQ(c.status()["registrations_confirmed"], 1);
}

TEST_F(confirmer, nothing_unacknowledged_is_confirmed_at_once) {
  c.acknowledged(c.next());
  c.wait(record());
  EXPECT_EQ(got, std::vector<confirmation>{confirmation::confirmed});
}

TEST_F(confirmer, a_wait_of_zero_is_not_needed) {
  wait = std::chrono::milliseconds(0);
  c.next();
  c.wait(record());
  c.refuse(record(), "no peer");
  EXPECT_EQ(got, (std::vector<confirmation>{confirmation::not_needed, confirmation::not_needed}));
}

TEST_F(confirmer, times_out_after_the_wait) {
  wait = std::chrono::milliseconds(20);
  c.next();
  c.wait(record());
  for (int i = 0; i < 200 && got.empty(); ++i) io.run_for(std::chrono::milliseconds(10));
  EXPECT_EQ(got, std::vector<confirmation>{confirmation::timed_out});
  EXPECT_EQ(c.status()["registrations_unconfirmed_timeout"], 1);
  c.acknowledged(c.last());  // too late: nobody is told twice
  EXPECT_EQ(got.size(), 1u);
}

TEST_F(confirmer, fail_all_tells_every_waiter_unavailable) {
  c.next();
  c.wait(record());
  c.wait(record());
  c.fail_all("the peer went away");
  EXPECT_EQ(got, (std::vector<confirmation>{confirmation::unavailable, confirmation::unavailable}));
  EXPECT_EQ(c.status()["registrations_unconfirmed_unavailable"], 2);
  io.run_for(std::chrono::milliseconds(5));  // the cancelled timers call nobody
  EXPECT_EQ(got.size(), 2u);
}

TEST_F(confirmer, waiters_left_when_it_goes_are_never_called) {
  bool called = false;
  {
    change_confirmer gone{io, "gone", [] { return std::chrono::milliseconds(10); }};
    gone.next();
    gone.wait([&called](confirmation) { called = true; });
  }
  io.run_for(std::chrono::milliseconds(30));
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace sipproxy::cluster
