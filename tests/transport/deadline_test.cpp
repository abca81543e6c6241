#include "transport/deadline.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace sipproxy::transport {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// A connection as the TCP, management and HTTP connections are: shared, owning its deadline.
struct connection : std::enable_shared_from_this<connection> {
  explicit connection(asio::io_context& io) : wait(io.get_executor()) {}
  void arm(std::chrono::steady_clock::duration after, int tag = 1) {
    wait.arm(after, weak_from_this(), [tag](connection& self) { self.expired.push_back(tag); });
  }
  deadline wait;
  std::vector<int> expired;
};

TEST(deadline, calls_the_owner_when_the_wait_runs_out) {
  asio::io_context io;
  auto c = std::make_shared<connection>(io);
  c->arm(1ms);
  io.run();
  EXPECT_EQ(c->expired, std::vector<int>{1});
}

TEST(deadline, does_not_keep_its_owner_alive_and_never_calls_one_that_is_gone) {
  asio::io_context io;
  auto c = std::make_shared<connection>(io);
  c->arm(1ms);
  EXPECT_EQ(c.use_count(), 1);  // the pending wait holds no reference
  std::weak_ptr<connection> gone = c;
  c.reset();
  EXPECT_TRUE(gone.expired());
  io.run();  // the aborted wait runs without touching the destroyed connection
}

TEST(deadline, cancel_means_no_expiry) {
  asio::io_context io;
  auto c = std::make_shared<connection>(io);
  c->arm(1ms);
  c->wait.cancel();
  io.run();
  EXPECT_TRUE(c->expired.empty());
}

TEST(deadline, arming_again_replaces_the_earlier_expiry) {
  asio::io_context io;
  auto c = std::make_shared<connection>(io);
  c->arm(0ms, 1);
  c->arm(1ms, 2);
  io.run();
  EXPECT_EQ(c->expired, std::vector<int>{2});
}

// The timer has fired and its handler is queued when the connection's read completes and
// cancels (or re-arms) the deadline: Asio cannot withdraw that handler, the deadline must
// ignore it. Here an earlier timer stands for the read: both are ready in the same pass
// of the loop, and the earlier one's handler runs first.
TEST(deadline, a_fired_expiry_cancelled_before_its_handler_runs_does_nothing) {
  asio::io_context io;
  auto c = std::make_shared<connection>(io);
  c->arm(0ms, 1);
  asio::steady_timer read_done(io);
  read_done.expires_at(std::chrono::steady_clock::now() - 1h);
  read_done.async_wait([&c](const boost::system::error_code&) { c->wait.cancel(); });
  io.run();
  EXPECT_TRUE(c->expired.empty());
}

TEST(deadline, a_fired_expiry_re_armed_before_its_handler_runs_waits_for_the_new_one) {
  asio::io_context io;
  auto c = std::make_shared<connection>(io);
  c->arm(0ms, 1);
  asio::steady_timer read_done(io);
  read_done.expires_at(std::chrono::steady_clock::now() - 1h);
  read_done.async_wait([&c](const boost::system::error_code&) { c->arm(1ms, 2); });
  io.run();
  EXPECT_EQ(c->expired, std::vector<int>{2});
}

}  // namespace
}  // namespace sipproxy::transport
