// The SIP transports of one worker: the UDP sockets and TCP acceptors on the SIP port,
// and the table of TCP connections (flows), found by id or by remote address.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "transport/receiver.hpp"
#include "transport/sender.hpp"
#include "transport/tcp_connection.hpp"
#include "transport/udp_listener.hpp"

namespace sipproxy::transport {

struct listen_options {
  std::string address;  // empty: every interface (IPv4 and, where present, IPv6)
  std::uint16_t port = 5060;
  int tos = 256;  // 256: leave the OS default
  int receive_buffer = 4 * 1024 * 1024;
  tcp_limits tcp;
};

class transport_manager : public sender, private tcp_connection::owner {
 public:
  explicit transport_manager(boost::asio::io_context& io);

  // Who gets what arrives; set before listen().
  void set_receiver(receiver& rx) { rx_ = &rx; }
  ~transport_manager() override;

  // Binds UDP and TCP; on failure, a sentence saying which and why.
  std::string listen(const listen_options& options);
  // Stops accepting new TCP connections (drain); UDP and open connections go on.
  void stop_accepting();
  void close_all();

  bool send(const peer& to, std::string_view bytes) override;

  std::size_t connection_count() const { return connections_.size(); }
  std::uint16_t port() const { return port_; }

 private:
  void do_accept(boost::asio::ip::tcp::acceptor& acceptor);
  void on_frame(std::string bytes, const peer& from) override;
  void on_closed(const tcp_connection& c, bool undelivered) override;
  std::shared_ptr<tcp_connection> find_connection(const peer& to);
  tcp_connection::owner& owner() { return *this; }

  boost::asio::io_context& io_;
  receiver* rx_ = nullptr;
  listen_options options_;
  std::uint16_t port_ = 0;
  std::vector<std::unique_ptr<udp_listener>> udp_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::unordered_map<std::uint64_t, std::shared_ptr<tcp_connection>> connections_;
  std::multimap<boost::asio::ip::tcp::endpoint, std::uint64_t> by_remote_;
  std::uint64_t next_id_ = 1;
  bool closing_ = false;
};

}  // namespace sipproxy::transport
