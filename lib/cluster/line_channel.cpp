#include "cluster/line_channel.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace sipproxy::cluster {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Closes the socket when the deadline passes, unless cancelled first.
class deadline_guard {
 public:
  deadline_guard(tcp::socket& s, std::chrono::milliseconds d) : timer_(s.get_executor()) {
    timer_.expires_after(d);
    timer_.async_wait([&s](const boost::system::error_code& ec) {
      if (ec) return;
      boost::system::error_code ignored;
      s.close(ignored);
    });
  }
  ~deadline_guard() { timer_.cancel(); }
  bool expired() const { return timer_.expiry() <= asio::steady_timer::clock_type::now(); }

 private:
  asio::steady_timer timer_;
};

}  // namespace

line_channel::line_channel(asio::any_io_executor ex) : socket_(ex), in_(max_reply) {}

void line_channel::close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
  in_.consume(in_.size());
  local_port_ = 0;
}

asio::awaitable<std::string> line_channel::connect(tcp::endpoint to, std::uint16_t first_port,
                                                   std::chrono::milliseconds deadline) {
  close();
  boost::system::error_code ec;
  socket_.open(to.protocol(), ec);
  if (ec) co_return "cannot open a socket: " + ec.message();
  if (first_port) {
    // client-side-port: the first port of an open-ended range. No SO_REUSEADDR, so a port
    // whose earlier connection is still in TIME_WAIT is skipped (connecting from it to
    // the same peer would fail).
    bool bound = false;
    for (std::uint32_t p = first_port; p <= 65535 && !bound; ++p) {
      socket_.bind(tcp::endpoint(to.protocol(), static_cast<std::uint16_t>(p)), ec);
      bound = !ec;
    }
    if (!bound) co_return "no free local port at or above client-side-port";
  }
  deadline_guard guard(socket_, deadline);
  auto [cec] = co_await socket_.async_connect(to, asio::as_tuple(asio::use_awaitable));
  if (cec) {
    bool late = guard.expired();
    close();
    co_return late ? "no answer to connect within " + std::to_string(deadline.count()) + " ms"
                   : cec.message();
  }
  local_port_ = socket_.local_endpoint(ec).port();
  co_return std::string();
}

asio::awaitable<std::string> line_channel::call(const std::string& line, std::string& reply,
                                                std::chrono::milliseconds deadline) {
  if (!socket_.is_open()) co_return "not connected";
  deadline_guard guard(socket_, deadline);
  std::string out = line;
  if (out.empty() || out.back() != '\n') out.push_back('\n');
  auto [wec, wn] =
      co_await asio::async_write(socket_, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
  (void)wn;
  if (wec) {
    bool late = guard.expired();
    close();
    co_return late ? "no answer within " + std::to_string(deadline.count()) + " ms"
                   : "write failed: " + wec.message();
  }
  auto [rec, n] =
      co_await asio::async_read_until(socket_, in_, '\n', asio::as_tuple(asio::use_awaitable));
  if (rec) {
    bool late = guard.expired();
    close();
    co_return late            ? "no answer within " + std::to_string(deadline.count()) + " ms"
    : rec == asio::error::eof ? std::string("connection closed by the peer")
                              : "read failed: " + rec.message();
  }
  reply.assign(asio::buffers_begin(in_.data()), asio::buffers_begin(in_.data()) + n);
  in_.consume(n);
  while (!reply.empty() && (reply.back() == '\n' || reply.back() == '\r')) reply.pop_back();
  co_return std::string();
}

}  // namespace sipproxy::cluster
