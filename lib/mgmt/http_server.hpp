// The read-only HTTP interface (the seed's "HTTP Server interface"), on the application's
// http-port: GET /status (JSON), GET /metrics (Prometheus), GET /healthz (200 serving,
// 503 draining or no SIP Server available). One request per connection, 8 KiB request
// limit, 10 s deadline, at most 32 connections at once.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>

#include "mgmt/http_source.hpp"

namespace sipproxy::mgmt {

class http_server {
 public:
  http_server(boost::asio::io_context& io, const http_source& source);
  ~http_server();
  std::string listen(const std::string& address, std::uint16_t port);
  void stop();

 private:
  class session;
  void do_accept();

  boost::asio::io_context& io_;
  const http_source& source_;
  boost::asio::ip::tcp::acceptor acceptor_;
  // Shared with the sessions, which may outlive the server in the event loop's queue at
  // shutdown.
  std::shared_ptr<std::size_t> open_ = std::make_shared<std::size_t>(0);
};

}  // namespace sipproxy::mgmt
