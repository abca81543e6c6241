// The queue of changes made while Redis is not connected: one entry per key, bounded,
// dropped past the bound with a counter and the alarm saying so. Redis is an address
// where nothing listens (loopback), and the loop is not run: the storage stays
// "connecting", as while Redis is being waited for. Writing the queue at reconnection
// needs a real Redis: integration/test_register_durable.py.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "cluster/redis_storage.hpp"

namespace sipproxy::cluster {
namespace {

using registrar::wall_clock;

std::uint16_t closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();  // closed again when `a` goes
}

struct redis_away : ::testing::Test {
  boost::asio::io_context io;
  hybrid_clock clock{[] { return wall_clock::now(); }};
  replicated_binding_store bindings{"SIPProxy_1", clock};
  replicated_session_table sessions{"SIPProxy_1", clock, {"SIPServer_A"}};
  config::redis_target target{
      config::redis_mode::single, {{"127.0.0.1", closed_port()}}, "", 0, ""};
  redis_storage storage{io,
                        "SIPProxy_1",
                        target,
                        bindings,
                        sessions,
                        nullptr,
                        [] { return std::chrono::milliseconds(300); },
                        2};

  void SetUp() override { storage.start(); }
  void TearDown() override { storage.stop(); }

  void put(const std::string& user, int expires_s = 600) {
    registrar::binding b;
    b.aor = "sip:" + user + "@pool.test";
    b.contact = "sip:" + user + "@192.0.2.7:5062";
    b.expires = wall_clock::now() + std::chrono::seconds(expires_s);
    b.instance = "SIPProxy_1";
    b.call_id = "reg-" + user;
    b.cseq = 1;
    bindings.put(b);
  }
  std::string alarm() const {
    auto a = storage.alarms();
    return a.empty() ? std::string() : a.front();
  }
};

TEST_F(redis_away, a_change_is_queued_once_per_key_and_named_in_the_alarm) {
  ASSERT_NE(storage.current(), redis_storage::state::up);
  put("1000");
  put("1000", 900);  // a refresh of the same binding: still one entry, the newest
  EXPECT_EQ(storage.queued(), 1u);
  EXPECT_EQ(storage.status()["changes_while_down"], 2);
  EXPECT_NE(alarm().find("40008"), std::string::npos) << alarm();
  EXPECT_NE(alarm().find("1 change(s) queued for it"), std::string::npos) << alarm();
  bindings.remove("sip:1000@pool.test", "sip:1000@192.0.2.7:5062");  // the tombstone, same key
  EXPECT_EQ(storage.queued(), 1u);
}

TEST_F(redis_away, past_the_bound_the_queue_is_dropped_counted_and_the_alarm_says_so) {
  put("1000");
  put("1001");
  EXPECT_EQ(storage.queued(), 2u);
  EXPECT_EQ(storage.queue_overflows(), 0u);
  put("1002");
  EXPECT_EQ(storage.queued(), 0u);
  EXPECT_EQ(storage.queue_overflows(), 1u);
  EXPECT_TRUE(storage.status()["queue_overflowed"].get<bool>());
  EXPECT_NE(alarm().find("more than 2 changes were made meanwhile: queue dropped"),
            std::string::npos)
      << alarm();
  // The rest of the outage is not queued, nor counted again: the full write carries it.
  put("1003");
  EXPECT_EQ(storage.queued(), 0u);
  EXPECT_EQ(storage.queue_overflows(), 1u);
}

}  // namespace
}  // namespace sipproxy::cluster
