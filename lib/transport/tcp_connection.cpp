#include "transport/tcp_connection.hpp"

#include <boost/asio/write.hpp>

#include "log/logger.hpp"
#include "sip/parser.hpp"
#include "sip/response_builder.hpp"
#include "sip/stream_framer.hpp"
#include "transport/socket_options.hpp"
#include "transport/tls_context.hpp"

namespace sipproxy::transport {

namespace asio = boost::asio;
using asio::ip::tcp;

tcp_connection::tcp_connection(tcp::socket socket, std::uint64_t id, owner& o,
                               const tcp_limits& limits, std::shared_ptr<asio::ssl::context> tls)
    : socket_(std::move(socket)),
      tls_context_(std::move(tls)),
      deadline_(socket_.get_executor()),
      id_(id),
      owner_(o),
      limits_(limits) {
  boost::system::error_code ec;
  remote_ = socket_.remote_endpoint(ec);
  if (tls_context_)
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, *tls_context_);
}

void tcp_connection::expect_peer_address(const std::string& ip) {
  if (tls_) transport::expect_peer_address(tls_->native_handle(), ip);
}

void tcp_connection::start() {
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  apply_tos(socket_.native_handle(), remote_.address().is_v4(), limits_.tos);
  if (tls_) {
    handshake(asio::ssl::stream_base::server);
    return;
  }
  connected_ = true;
  arm_idle();
  do_read();
}

void tcp_connection::handshake(asio::ssl::stream_base::handshake_type side) {
  deadline_.arm(limits_.handshake_timeout, weak_from_this(), [](tcp_connection& self) {
    if (self.connected_) return;
    log::interaction("TLS {}:{}: no handshake within {} s, closing",
                     self.remote_.address().to_string(), self.remote_.port(),
                     self.limits_.handshake_timeout.count());
    self.stop();
  });
  tls_->async_handshake(side, [self = shared_from_this()](const boost::system::error_code& ec) {
    if (self->stopped_) return;
    if (ec) {
      log::interaction("TLS handshake with {}:{} failed: {}", self->remote_.address().to_string(),
                       self->remote_.port(), ec.message());
      self->stop();
      return;
    }
    self->on_established();
  });
}

void tcp_connection::on_established() {
  connected_ = true;
  arm_idle();
  do_read();
  do_write();
}

template <typename Handler>
void tcp_connection::read_some(Handler&& h) {
  if (tls_)
    tls_->async_read_some(asio::buffer(chunk_), std::forward<Handler>(h));
  else
    socket_.async_read_some(asio::buffer(chunk_), std::forward<Handler>(h));
}

void tcp_connection::connect(const tcp::endpoint& remote) {
  remote_ = remote;
  // TOS before the SYN, so that every segment of the connection carries it (and a receiver
  // that reads the TOS of the connection's first segment sees it).
  boost::system::error_code open_ec;
  socket_.open(remote.protocol(), open_ec);
  if (!open_ec) apply_tos(socket_.native_handle(), remote.address().is_v4(), limits_.tos);
  deadline_.arm(limits_.connect_timeout, weak_from_this(), [](tcp_connection& self) {
    if (!self.connected_) self.stop();
  });
  socket_.async_connect(remote, [self = shared_from_this()](const boost::system::error_code& ec) {
    if (self->stopped_) return;
    if (ec) {
      log::interaction("TCP connect to {}:{} failed: {}", self->remote_.address().to_string(),
                       self->remote_.port(), ec.message());
      self->stop();
      return;
    }
    boost::system::error_code ignored;
    self->socket_.set_option(tcp::no_delay(true), ignored);
    apply_tos(self->socket_.native_handle(), self->remote_.address().is_v4(), self->limits_.tos);
    if (self->tls_) {
      self->handshake(asio::ssl::stream_base::client);
      return;
    }
    self->on_established();
  });
}

bool tcp_connection::send(std::string bytes) {
  if (stopped_ || lingering_) return false;
  if (outbox_.size() >= limits_.max_queue) {
    log::standard("TCP connection to {}:{}: send queue full ({} messages), closing",
                  remote_.address().to_string(), remote_.port(), outbox_.size());
    stop();
    return false;
  }
  outbox_.push_back(std::move(bytes));
  if (connected_) do_write();
  return true;
}

void tcp_connection::stop() {
  if (stopped_) return;
  stopped_ = true;
  bool undelivered = !outbox_.empty();
  boost::system::error_code ignored;
  deadline_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  owner_.on_closed(*this, undelivered);
}

void tcp_connection::arm_idle() {
  deadline_.arm(limits_.idle_timeout, weak_from_this(), [](tcp_connection& self) {
    log::interaction("TCP connection {}:{} idle, closing", self.remote_.address().to_string(),
                     self.remote_.port());
    self.stop();
  });
}

void tcp_connection::do_read() {
  read_some([self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
    self->on_read(ec, n);
  });
}

void tcp_connection::reject_unframable(const std::string& why) {
  // Answer 400 when the header section is readable enough to address a response, then
  // close: the stream cannot be resynchronised.
  log::interaction("TCP {}:{}: {}; closing", remote_.address().to_string(), remote_.port(), why);
  std::size_t head_end = inbox_.find("\r\n\r\n");
  if (head_end != std::string::npos) {
    auto parsed = sip::parse(inbox_.substr(0, head_end + 4));
    if (parsed.msg && parsed.msg->is_request() && parsed.msg->method() != "ACK" &&
        parsed.msg->count(sip::header_id::via) > 0) {
      std::string reason = "Bad Request (" + why + ")";
      outbox_.push_back(sip::build_response(*parsed.msg, 400, reason));
      close_after_write_ = true;
      inbox_.clear();
      do_write();
      return;
    }
  }
  stop();
}

void tcp_connection::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (stopped_) return;
  if (ec) {
    stop();
    return;
  }
  inbox_.append(chunk_.data(), n);
  arm_idle();
  std::size_t consumed = 0;
  while (!stopped_ && !close_after_write_) {
    std::string_view rest(inbox_.data() + consumed, inbox_.size() - consumed);
    sip::frame f = sip::next_frame(rest, limits_.max_message);
    if (f.what == sip::frame::kind::need_more) break;
    if (f.what == sip::frame::kind::error) {
      inbox_.erase(0, consumed);
      reject_unframable(f.error);
      return;
    }
    if (f.what == sip::frame::kind::keepalive) {
      // RFC 5626 §4.4.1: a double CRLF ping gets a single CRLF pong.
      if (rest.substr(0, f.length).find("\r\n\r\n") != std::string_view::npos) send("\r\n");
    } else {
      peer from{proto(), normalize(remote_.address()), remote_.port(), id_};
      owner_.on_frame(std::string(rest.substr(0, f.length)), from);
    }
    consumed += f.length;
  }
  if (stopped_) return;
  inbox_.erase(0, consumed);
  if (!close_after_write_) do_read();
}

void tcp_connection::do_write() {
  if (writing_ || outbox_.empty() || stopped_ || !connected_) return;
  writing_ = true;
  auto done = [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->on_write(ec);
  };
  if (tls_)
    asio::async_write(*tls_, asio::buffer(outbox_.front()), std::move(done));
  else
    asio::async_write(socket_, asio::buffer(outbox_.front()), std::move(done));
}

void tcp_connection::on_write(const boost::system::error_code& ec) {
  writing_ = false;
  if (stopped_) return;
  if (ec) {
    stop();
    return;
  }
  outbox_.pop_front();
  if (outbox_.empty() && close_after_write_) {
    linger_then_stop();
    return;
  }
  do_write();
}

void tcp_connection::linger_then_stop() {
  // A lingering close, as HTTP servers do: send FIN after the answer, then read and
  // discard until the peer closes, linger_max_bytes have come or linger_timeout has
  // passed. Closing a socket with unread bytes sends RST, and an RST can make the
  // peer's kernel throw away the answer it has not read yet.
  lingering_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  deadline_.arm(limits_.linger_timeout, weak_from_this(),
                [](tcp_connection& self) { self.stop(); });
  do_discard();
}

void tcp_connection::do_discard() {
  read_some([self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
    if (self->stopped_) return;
    self->discarded_ += n;
    if (ec || self->discarded_ >= self->limits_.linger_max_bytes) {
      self->stop();
      return;
    }
    self->do_discard();
  });
}

}  // namespace sipproxy::transport
