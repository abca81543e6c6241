// The management port: a TCP listener whose connections read one JSON request per line
// and write one reply per line. Lines are capped (64 KiB), idle connections close after
// 60 s, at most 64 connections at once. Mutating commands need the deployment's
// mgmt-token whenever one is configured, and one must be configured when the port is
// bound to anything but loopback; a missing or wrong token is refused and logged (with
// the source address, at most 20 lines a minute), and a source that sends 5 wrong tokens
// within 60 s is refused those commands for 300 s, even with the right token
// (token_guard).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mgmt/command_handler.hpp"
#include "mgmt/token_guard.hpp"

namespace sipproxy::mgmt {

class mgmt_server {
 public:
  mgmt_server(boost::asio::io_context& io, command_handler& handler, std::string token);
  ~mgmt_server();

  // Binds; on failure, a sentence saying why.
  std::string listen(const std::string& address, std::uint16_t port);
  // Stops accepting; connections already open go on (a drain still answers them).
  void stop();
  // Closes every open connection (shutdown).
  void close_connections();
  bool token_required() const { return token_required_; }
  // Answers one line as a connection from `source` (an IP address) would (also for tests).
  std::string answer(std::string_view line, const std::string& source = "local",
                     token_guard::clock::time_point now = token_guard::clock::now());

 private:
  class connection;
  void do_accept();
  // Null when the request may go on; else the refusal (and the log line, rate-limited).
  std::optional<json> refuse_token(const request& r, const std::string& source,
                                   token_guard::clock::time_point now);

  boost::asio::io_context& io_;
  command_handler& handler_;
  std::string token_;
  bool token_required_ = false;
  token_guard guard_;
  boost::asio::ip::tcp::acceptor acceptor_;
  // Shared with the connections, which may outlive this server in the event loop's
  // queue at shutdown (a peer's link stays connected): they count themselves here and
  // are closed by stop().
  struct live {
    std::size_t open = 0;
    std::vector<std::weak_ptr<connection>> all;
  };
  std::shared_ptr<live> live_ = std::make_shared<live>();
};

}  // namespace sipproxy::mgmt
