// The SIP transports of one worker: the UDP sockets and TCP acceptors on the SIP port,
// the TLS acceptors on the TLS port, and the table of TCP and TLS connections (flows),
// found by id or by remote address.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "log/throttle.hpp"
#include "transport/accept_backoff.hpp"
#include "transport/receiver.hpp"
#include "transport/sender.hpp"
#include "transport/tcp_connection.hpp"
#include "transport/tls_context.hpp"
#include "transport/udp_listener.hpp"

namespace sipproxy::transport {

struct listen_options {
  std::string address;  // empty: every interface (IPv4 and, where present, IPv6)
  std::uint16_t port = 5060;
  int tos = 256;  // 256: leave the OS default
  int receive_buffer = 4 * 1024 * 1024;
  tcp_limits tcp;
  // Inbound TCP connections open at once from one IP address (max-connections-per-source);
  // one more is closed as soon as it is accepted. 0: no limit.
  std::size_t max_connections_per_source = 256;
  // Inbound TCP connections open at once in all (max-tcp-connections); one more is closed
  // as soon as it is accepted. 0: no limit.
  std::size_t max_inbound = 4096;
  // TCP connections this instance has opened and that are still open
  // (max-tcp-outbound-connections); a message that needs one more is not sent (the send
  // fails as an unreachable destination would). 0: no limit.
  std::size_t max_outbound = 1024;
  // sip-tls-port: 0 = no TLS listener. Its connections count against the same caps.
  std::uint16_t tls_port = 0;
  tls_contexts tls;  // needed when tls_port is set
};

class transport_manager : public sender, private tcp_connection::owner {
 public:
  explicit transport_manager(boost::asio::io_context& io);

  // Who gets what arrives; set before listen().
  void set_receiver(receiver& rx) { rx_ = &rx; }
  ~transport_manager() override;

  // Binds UDP and TCP; on failure, a sentence saying which and why.
  std::string listen(const listen_options& options);
  // New TLS handshakes (accepted and opened) use these; open connections keep theirs.
  void set_tls(tls_contexts tls) { options_.tls = std::move(tls); }
  // Stops accepting new TCP connections (drain); UDP and open connections go on.
  void stop_accepting();
  void close_all();

  bool send(const peer& to, std::string_view bytes) override;

  std::size_t connection_count() const { return connections_.size(); }
  // Inbound connections closed at once for max_connections_per_source.
  std::uint64_t refused_connections() const { return refused_; }
  // Inbound connections closed at once for max_inbound, and connections not opened for
  // max_outbound.
  std::uint64_t refused_over_total() const { return refused_total_; }
  std::uint64_t outbound_refused() const { return outbound_refused_; }
  std::size_t inbound_count() const { return inbound_.size(); }
  std::size_t outbound_count() const { return connections_.size() - inbound_.size(); }
  // Accepts that failed because the process or system was out of file descriptors.
  std::uint64_t accept_exhausted() const { return backoff_.exhausted(); }
  std::uint16_t port() const { return port_; }
  // The port the first TCP acceptor is bound to (the one chosen when listening on port 0).
  std::uint16_t tcp_port() const;
  // The port the first TLS acceptor is bound to; 0 without a TLS listener.
  std::uint16_t tls_port() const;

 private:
  void do_accept(boost::asio::ip::tcp::acceptor& acceptor, bool tls);
  std::string bind_acceptor(const boost::asio::ip::address& a, std::uint16_t port, bool tls);
  void on_accept_error(boost::asio::ip::tcp::acceptor& acceptor,
                       const boost::system::error_code& ec, bool tls);
  // Whether one more inbound connection from `from` is over the per-source limit (then
  // the connection is closed and the refusal logged, at most once a second).
  bool refuse_over_limit(boost::asio::ip::tcp::socket& s, const boost::asio::ip::address& from);
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
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> tls_acceptors_;
  std::unordered_map<std::uint64_t, std::shared_ptr<tcp_connection>> connections_;
  std::multimap<boost::asio::ip::tcp::endpoint, std::uint64_t> by_remote_;
  // Inbound connections: how many are open from each source address, and which ids.
  std::map<boost::asio::ip::address, std::size_t> inbound_per_source_;
  std::unordered_map<std::uint64_t, boost::asio::ip::address> inbound_;
  log::throttle refusal_log_;
  log::throttle total_log_;
  log::throttle outbound_log_;
  accept_backoff backoff_;
  // Per acceptor: the wait before accepting again after running out of descriptors.
  std::map<const boost::asio::ip::tcp::acceptor*, std::unique_ptr<boost::asio::steady_timer>>
      accept_waits_;
  std::uint64_t refused_ = 0;
  std::uint64_t refused_total_ = 0;
  std::uint64_t outbound_refused_ = 0;
  std::uint64_t next_id_ = 1;
  bool closing_ = false;
};

}  // namespace sipproxy::transport
