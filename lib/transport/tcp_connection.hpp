// One TCP connection (RFC 3261 §18.3), plain or under TLS (§26.2): a reader that frames
// messages by Content-Length and a writer that drains a bounded queue. Under TLS the
// bytes go through an OpenSSL stream over the same socket, after a handshake that must
// finish within handshake_timeout. It lives on one worker for life; everything else
// refers to it by its id (the flow).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "transport/deadline.hpp"
#include "transport/peer.hpp"

namespace sipproxy::transport {

struct tcp_limits {
  std::size_t max_message = 65535;         // bytes per message
  std::size_t max_queue = 1024;            // messages waiting to be written
  std::chrono::seconds idle_timeout{900};  // no traffic either way: close
  std::chrono::seconds connect_timeout{10};
  // TLS: from accept (or connect) to the end of the handshake; a client that does not
  // finish it by then is closed, so that an idle one cannot hold a connection slot.
  std::chrono::seconds handshake_timeout{10};
  // After the last answer on a connection the proxy closes (an unframable stream), how
  // long it keeps reading and discarding what the peer still sends, so that closing
  // with unread bytes does not reset the connection and destroy that answer.
  std::chrono::milliseconds linger_timeout{2000};
  std::size_t linger_max_bytes = 1 << 20;
  int tos = 256;  // sip-ip-tos (256: OS default)
};

class tcp_connection : public std::enable_shared_from_this<tcp_connection> {
 public:
  class owner {
   public:
    virtual ~owner() = default;
    virtual void on_frame(std::string bytes, const peer& from) = 0;
    // The connection is gone; `undelivered` when it dropped queued messages.
    virtual void on_closed(const tcp_connection& c, bool undelivered) = 0;
  };

  // `tls`: run TLS over the socket with this context (server side for an accepted
  // connection, client side for one this proxy opens); null: plain TCP.
  tcp_connection(boost::asio::ip::tcp::socket socket, std::uint64_t id, owner& o,
                 const tcp_limits& limits,
                 std::shared_ptr<boost::asio::ssl::context> tls = nullptr);

  // Accepted connection: start reading.
  void start();
  // Outbound connection: connect, then write what was queued, then read.
  void connect(const boost::asio::ip::tcp::endpoint& remote);
  // Queues a message; false (and the connection closes) when the queue is full.
  bool send(std::string bytes);
  void stop();

  std::uint64_t id() const { return id_; }
  const boost::asio::ip::tcp::endpoint& remote() const { return remote_; }
  bool open() const { return !stopped_; }
  protocol proto() const { return tls_ ? protocol::tls : protocol::tcp; }
  // TLS, outbound: the certificate must name this IP (RFC 5922 §7.1).
  void expect_peer_address(const std::string& ip);

 private:
  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void do_write();
  void on_write(const boost::system::error_code& ec);
  void arm_idle();
  void reject_unframable(const std::string& why);
  void linger_then_stop();
  void do_discard();
  // After connect (outbound) or accept: the TLS handshake, then reading and writing.
  void handshake(boost::asio::ssl::stream_base::handshake_type side);
  void on_established();
  template <typename Handler>
  void read_some(Handler&& h);

  boost::asio::ip::tcp::socket socket_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;  // kept alive for tls_
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  // Handshake, connect, idle or linger: whichever wait the connection is in.
  deadline deadline_;
  std::uint64_t id_;
  owner& owner_;
  tcp_limits limits_;
  boost::asio::ip::tcp::endpoint remote_;
  std::string inbox_;
  std::array<char, 16384> chunk_{};
  std::deque<std::string> outbox_;
  bool connected_ = false;
  bool writing_ = false;
  bool stopped_ = false;
  bool close_after_write_ = false;
  bool lingering_ = false;
  std::size_t discarded_ = 0;
};

}  // namespace sipproxy::transport
