// An asynchronous DNS resolver on the Asio loop, driven by c-ares (as Envoy's dns_impl):
// c-ares opens its sockets, tells us through its socket-state callback which ones to
// watch, and the loop waits on them with posix::stream_descriptor::async_wait; one
// steady_timer, re-armed from ares_timeout() after every step, drives retries and
// timeouts. Nothing here blocks, nothing throws: failures are error_codes of
// ares_category().
//
// One resolver belongs to one io_context thread. Completions are posted to the
// handler's associated executor (never invoked from inside c-ares), so a handler may
// start new queries or destroy the resolver.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "dns/records.hpp"

struct ares_channeldata;

namespace sipproxy::dns {

struct resolver_options {
  // The DNS server to ask; nullopt: the system's (/etc/resolv.conf).
  std::optional<boost::asio::ip::udp::endpoint> server;
  std::chrono::milliseconds timeout{1500};  // per try (c-ares doubles it on each round)
  int tries = 2;
};

class resolver {
 public:
  using address_signature = void(std::error_code, std::vector<address_record>);
  using srv_signature = void(std::error_code, std::vector<srv_record>);
  using address_handler = boost::asio::any_completion_handler<address_signature>;
  using srv_handler = boost::asio::any_completion_handler<srv_signature>;

  resolver(boost::asio::any_io_executor executor, const resolver_options& options);
  ~resolver();
  resolver(const resolver&) = delete;
  resolver& operator=(const resolver&) = delete;

  // Why the resolver cannot work (c-ares init or a bad server), or empty. Queries on a
  // failed resolver complete with this error.
  std::error_code status() const { return status_; }

  // A (IPv4) or AAAA (IPv6) records of `name`, with TTLs.
  template <typename Token>
  auto async_resolve_address(std::string name, record_type type, Token&& token) {
    return boost::asio::async_initiate<Token, address_signature>(
        [this](auto handler, std::string n, record_type t) {
          start_address(std::move(n), t, address_handler(std::move(handler)));
        },
        token, std::move(name), type);
  }

  // SRV records of `name` ("_sip._udp.example.com") as the server sent them; order
  // them with order_srv().
  template <typename Token>
  auto async_resolve_srv(std::string name, Token&& token) {
    return boost::asio::async_initiate<Token, srv_signature>(
        [this](auto handler, std::string n) {
          start_srv(std::move(n), srv_handler(std::move(handler)));
        },
        token, std::move(name));
  }

  // Ends every query in flight with ARES_ECANCELLED.
  void cancel();

  const boost::asio::any_io_executor& get_executor() const { return executor_; }

 private:
  struct socket_watch;
  struct address_query;
  struct srv_query;

  void start_address(std::string name, record_type type, address_handler handler);
  void start_srv(std::string name, srv_handler handler);

  static void on_socket_state(void* data, int fd, int readable, int writable);
  void watch(int fd, bool readable, bool writable);
  void do_wait(const std::shared_ptr<socket_watch>& w, bool for_read);
  void on_ready(const std::shared_ptr<socket_watch>& w, bool for_read);
  void arm_timer();
  void on_timer();

  static void on_address_reply(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  static void on_srv_reply(void* arg, int status, int timeouts, unsigned char* abuf, int alen);

  boost::asio::any_io_executor executor_;
  ares_channeldata* channel_ = nullptr;
  std::error_code status_;
  boost::asio::steady_timer timer_;
  std::map<int, std::shared_ptr<socket_watch>> watches_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // handlers hold a weak_ptr
};

}  // namespace sipproxy::dns
