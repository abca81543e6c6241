#include "transport/udp_listener.hpp"

#include <netinet/in.h>
#include <netinet/ip.h>

#include <cerrno>
#include <cstring>

#include "log/logger.hpp"
#include "transport/socket_options.hpp"

namespace sipproxy::transport {

namespace asio = boost::asio;
using asio::ip::udp;

udp_listener::udp_listener(asio::io_context& io, receiver& rx) : socket_(io), rx_(rx) {}

boost::system::error_code udp_listener::open(const udp::endpoint& local, int tos,
                                             int receive_buffer) {
  boost::system::error_code ec;
  socket_.open(local.protocol(), ec);
  if (ec) return ec;
  v4_ = local.address().is_v4();
  if (!v4_) socket_.set_option(asio::ip::v6_only(true), ec);
  socket_.bind(local, ec);
  if (ec) {
    socket_.close();
    return ec;
  }
  socket_.non_blocking(true, ec);
  if (receive_buffer > 0) {
    boost::system::error_code ignored;
    socket_.set_option(asio::socket_base::receive_buffer_size(receive_buffer), ignored);
  }
  apply_tos(socket_.native_handle(), v4_, tos);
  return {};
}

void udp_listener::close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

udp::endpoint udp_listener::local_endpoint() const {
  boost::system::error_code ec;
  return socket_.local_endpoint(ec);
}

bool udp_listener::send(const udp::endpoint& to, std::string_view bytes) {
  boost::system::error_code ec;
  socket_.send_to(asio::buffer(bytes.data(), bytes.size()), to, 0, ec);
  if (ec) {
    log::interaction("UDP send to {}:{} failed: {}", to.address().to_string(), to.port(),
                     ec.message());
    return false;
  }
  return true;
}

void udp_listener::do_read() {
  socket_.async_receive_from(
      asio::buffer(buffer_), from_,
      [this](const boost::system::error_code& ec, std::size_t n) { on_read(ec, n); });
}

void udp_listener::deliver(std::size_t n) {
  if (n == 0) return;
  peer from{protocol::udp, normalize(from_.address()), from_.port(), 0};
  rx_.on_message(std::string(buffer_.data(), n), from);
}

void udp_listener::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (ec == asio::error::operation_aborted || !socket_.is_open()) return;
  if (!ec) {
    deliver(n);
    // Drain what else is queued before going back to the reactor: one wake-up, many
    // datagrams under load.
    for (int i = 0; i < 64 && socket_.is_open(); ++i) {
      boost::system::error_code again;
      std::size_t m = socket_.receive_from(asio::buffer(buffer_), from_, 0, again);
      if (again) break;
      deliver(m);
    }
  }
  if (socket_.is_open()) do_read();
}

}  // namespace sipproxy::transport
