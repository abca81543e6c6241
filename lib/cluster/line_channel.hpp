// One TCP connection that carries newline-delimited JSON (the management protocol) to
// another instance: connect from a chosen local port upward (client-side-port), write a
// line and read the answer, every step with a deadline. Errors are sentences, not
// exceptions.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/streambuf.hpp>
#include <chrono>
#include <string>

namespace sipproxy::cluster {

class line_channel {
 public:
  // Longest answer read (a snapshot page is well under it).
  static constexpr std::size_t max_reply = 8u << 20;

  explicit line_channel(boost::asio::any_io_executor ex);

  // Connects to `to`, from the first local port at or above `first_port` that can be
  // bound (0: any port). Returns "" or why it failed.
  boost::asio::awaitable<std::string> connect(boost::asio::ip::tcp::endpoint to,
                                              std::uint16_t first_port,
                                              std::chrono::milliseconds deadline);
  // Writes `line` (newline added) and reads one line into `reply`. Returns "" or why not.
  boost::asio::awaitable<std::string> call(const std::string& line, std::string& reply,
                                           std::chrono::milliseconds deadline);
  void close();
  bool is_open() const { return socket_.is_open(); }
  std::uint16_t local_port() const { return local_port_; }

 private:
  boost::asio::ip::tcp::socket socket_;
  boost::asio::streambuf in_;
  std::uint16_t local_port_ = 0;
};

}  // namespace sipproxy::cluster
