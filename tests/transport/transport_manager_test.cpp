#include "transport/transport_manager.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "log/logger.hpp"

namespace sipproxy::transport {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

struct null_receiver : receiver {
  void on_message(std::string, const peer&) override {}
  void on_send_failed(const peer&) override {}
};

// Listens on 127.0.0.1, an ephemeral port, with this per-source limit.
void listen_on_loopback(transport_manager& m, receiver& rx, std::size_t limit) {
  m.set_receiver(rx);
  listen_options lo;
  lo.address = "127.0.0.1";
  lo.port = 0;
  lo.max_connections_per_source = limit;
  EXPECT_EQ(m.listen(lo), "");
}

// A transport_manager allowing 2 connections per source; clients connect with blocking
// sockets on a second io_context.
class per_source_limit : public ::testing::Test {
 protected:
  per_source_limit() {
    log::set_level(log::level::none);
    listen_on_loopback(tm, rx, 2);
  }

  std::unique_ptr<tcp::socket> connect(const transport_manager& to) {
    auto s = std::make_unique<tcp::socket>(client_io);
    s->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), to.tcp_port()));
    return s;
  }
  std::unique_ptr<tcp::socket> connect() { return connect(tm); }
  // Runs the server's loop until `done` holds, or 5 s at most.
  template <typename Pred>
  bool run_until(Pred done) {
    for (int i = 0; i < 500 && !done(); ++i) io.run_for(10ms);
    return done();
  }
  // Whether the server closed `s` (a read sees end of file), waiting up to 2 s.
  bool closed_by_server(tcp::socket& s) {
    s.non_blocking(true);
    for (int i = 0; i < 200; ++i) {
      io.run_for(10ms);
      char c;
      boost::system::error_code ec;
      s.read_some(asio::buffer(&c, 1), ec);
      if (ec == asio::error::eof || ec == asio::error::connection_reset) return true;
      if (ec != asio::error::would_block) return false;
    }
    return false;
  }

  asio::io_context io;
  asio::io_context client_io;
  null_receiver rx;
  transport_manager tm{io};
};

TEST_F(per_source_limit, the_connection_over_the_limit_is_closed_at_once) {
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(run_until([&] { return tm.connection_count() == 2; }));
  auto c = connect();
  ASSERT_TRUE(run_until([&] { return tm.refused_connections() == 1; }));
  EXPECT_TRUE(closed_by_server(*c));
  EXPECT_EQ(tm.connection_count(), 2u);
  EXPECT_FALSE(closed_by_server(*a));  // the first two stay open
}

TEST_F(per_source_limit, a_closed_connection_makes_room) {
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(run_until([&] { return tm.connection_count() == 2; }));
  a->close();
  ASSERT_TRUE(run_until([&] { return tm.connection_count() == 1; }));
  auto c = connect();
  ASSERT_TRUE(run_until([&] { return tm.connection_count() == 2; }));
  EXPECT_EQ(tm.refused_connections(), 0u);
  EXPECT_FALSE(closed_by_server(*c));
}

TEST_F(per_source_limit, zero_means_no_limit) {
  transport_manager open{io};
  listen_on_loopback(open, rx, 0);
  std::vector<std::unique_ptr<tcp::socket>> clients;
  for (int i = 0; i < 10; ++i) clients.push_back(connect(open));
  ASSERT_TRUE(run_until([&] { return open.connection_count() == 10; }));
  EXPECT_EQ(open.refused_connections(), 0u);
}

}  // namespace
}  // namespace sipproxy::transport
