// One UDP socket on the SIP port (RFC 3261 §18): reads datagrams and hands each to the
// receiver; sends without blocking (a full socket buffer drops, as UDP does).
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <string_view>

#include "transport/receiver.hpp"

namespace sipproxy::transport {

class udp_listener {
 public:
  udp_listener(boost::asio::io_context& io, receiver& rx);

  boost::system::error_code open(const boost::asio::ip::udp::endpoint& local, int tos,
                                 int receive_buffer);
  void start() { do_read(); }
  void close();
  bool send(const boost::asio::ip::udp::endpoint& to, std::string_view bytes);
  boost::asio::ip::udp::endpoint local_endpoint() const;
  bool is_v4() const { return v4_; }

 private:
  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void deliver(std::size_t n);

  boost::asio::ip::udp::socket socket_;
  receiver& rx_;
  boost::asio::ip::udp::endpoint from_;
  std::array<char, 65536> buffer_{};
  bool v4_ = true;
};

}  // namespace sipproxy::transport
