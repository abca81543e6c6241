// The management port: a TCP listener whose connections read one JSON request per line
// and write one reply per line. Lines are capped (64 KiB), idle connections close after
// 60 s, at most 64 connections at once (mgmt_limits). A connection is authenticated by
// its first request that carries the right mgmt-token (with no token configured, by its
// first well-formed request); until then it may hold one of at most 16 slots, the oldest
// such connection is closed when a 17th arrives, and it is closed when it has not
// authenticated within mgmt-auth-timeout seconds. So idle or token-less connections cannot
// take the slots that peers (whose links carry the token) and sipproxyctl need. Mutating
// commands, and the commands that list contacts, need the deployment's
// mgmt-token whenever one is configured, and one must be configured when the port is
// bound to anything but loopback; a missing or wrong token is refused and logged (with
// the source address, at most 20 lines a minute), and a source that sends 5 wrong tokens
// within 60 s is refused those commands for 300 s, even with the right token
// (token_guard).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "log/throttle.hpp"
#include "mgmt/command_handler.hpp"
#include "mgmt/token_guard.hpp"
#include "transport/accept_backoff.hpp"

namespace sipproxy::mgmt {

struct mgmt_limits {
  std::size_t max_connections = 64;
  std::size_t max_unauthenticated = 16;
  std::chrono::seconds auth_timeout{10};  // mgmt-auth-timeout
  std::chrono::seconds idle_timeout{60};
};

class mgmt_server {
 public:
  mgmt_server(boost::asio::io_context& io, command_handler& handler, std::string token,
              mgmt_limits limits = {});
  ~mgmt_server();

  // Binds; on failure, a sentence saying why.
  std::string listen(const std::string& address, std::uint16_t port);
  // Stops accepting; connections already open go on (a drain still answers them).
  void stop();
  // Closes every open connection (shutdown).
  void close_connections();
  bool token_required() const { return token_required_; }
  // Answers one line as a connection from `source` (an IP address) would (also for tests).
  // `authenticated`, when given, is set when the line carried the right token (or, with
  // no token required, was a well-formed request).
  std::string answer(std::string_view line, const std::string& source = "local",
                     token_guard::clock::time_point now = token_guard::clock::now(),
                     bool* authenticated = nullptr);
  std::size_t open_connections() const { return live_->authenticated + live_->unauthenticated; }
  std::size_t unauthenticated_connections() const { return live_->unauthenticated; }
  std::uint64_t evicted_connections() const { return live_->evicted; }

 private:
  class connection;
  void do_accept();
  void accept_one(boost::asio::ip::tcp::socket s);
  // Whether `r` carries the right token (constant-time), from a source not locked out.
  bool token_matches(const request& r, const std::string& source,
                     token_guard::clock::time_point now) const;
  // Null when the request may go on; else the refusal (and the log line, rate-limited).
  std::optional<json> refuse_token(const request& r, const std::string& source,
                                   token_guard::clock::time_point now);

  boost::asio::io_context& io_;
  command_handler& handler_;
  std::string token_;
  bool token_required_ = false;
  token_guard guard_;
  mgmt_limits limits_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_wait_;
  transport::accept_backoff backoff_;
  // Shared with the connections, which may outlive this server in the event loop's
  // queue at shutdown (a peer's link stays connected): they count themselves here and
  // are closed by stop().
  struct live {
    std::size_t authenticated = 0;
    std::size_t unauthenticated = 0;
    std::uint64_t evicted = 0;  // unauthenticated connections closed for a newer one
    std::uint64_t refused = 0;  // connections closed at accept: every slot authenticated
    std::vector<std::weak_ptr<connection>> all;  // oldest first
  };
  std::shared_ptr<live> live_ = std::make_shared<live>();
};

}  // namespace sipproxy::mgmt
