// The read-only HTTP interface (the seed's "HTTP Server interface"), on the application's
// http-port: GET / (the HTML status page, mgmt/status_page.hpp), GET /status (JSON),
// GET /metrics (Prometheus), GET /healthz (200 serving, 503 draining or no SIP Server
// available). One request per connection, 8 KiB request
// limit, 10 s deadline, at most 32 connections at once: when a 33rd arrives, the oldest
// open one (which has not sent its request in all that time) is closed to make room, so
// idle connections cannot lock a monitoring system out. The accept loop backs off when
// out of file descriptors (transport::accept_backoff).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <vector>

#include "log/throttle.hpp"
#include "mgmt/counter_rates.hpp"
#include "mgmt/http_source.hpp"
#include "transport/accept_backoff.hpp"

namespace sipproxy::mgmt {

class http_server {
 public:
  http_server(boost::asio::io_context& io, const http_source& source);
  ~http_server();
  std::string listen(const std::string& address, std::uint16_t port);
  void stop();
  std::size_t open_connections() const { return live_->open; }
  std::uint64_t evicted_connections() const { return live_->evicted; }

 private:
  class session;
  void do_accept();
  void accept_one(boost::asio::ip::tcp::socket s);

  boost::asio::io_context& io_;
  const http_source& source_;
  counter_rates rates_;  // of the status page's reads
  boost::asio::ip::tcp::acceptor acceptor_;
  // Shared with the sessions, which may outlive the server in the event loop's queue at
  // shutdown.
  struct live {
    std::size_t open = 0;
    std::uint64_t evicted = 0;
    std::vector<std::weak_ptr<session>> all;  // oldest first
  };
  std::shared_ptr<live> live_ = std::make_shared<live>();
  boost::asio::steady_timer accept_wait_;
  transport::accept_backoff backoff_;
};

}  // namespace sipproxy::mgmt
