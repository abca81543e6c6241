#include "mgmt/mgmt_server.hpp"

#include <fmt/format.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "log/logger.hpp"
#include "mgmt/json_text.hpp"
#include "mgmt/listen_tcp.hpp"

namespace sipproxy::mgmt {

namespace asio = boost::asio;
using asio::ip::tcp;

class mgmt_server::connection : public std::enable_shared_from_this<connection> {
 public:
  connection(tcp::socket s, mgmt_server& owner)
      : socket_(std::move(s)),
        timer_(socket_.get_executor()),
        owner_(owner),
        live_(owner.live_),
        in_(max_line) {}
  ~connection() { --live_->open; }

  void start() { do_read(); }
  void close() {
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
  }

 private:
  void do_read() {
    timer_.expires_after(std::chrono::seconds(60));
    timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        boost::system::error_code ignored;
        self->socket_.close(ignored);
      }
    });
    asio::async_read_until(socket_, in_, '\n',
                           [self = shared_from_this()](const boost::system::error_code& ec,
                                                       std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(const boost::system::error_code& ec, std::size_t n) {
    timer_.cancel();
    if (ec) {
      if (ec == asio::error::not_found) {
        out_ = refused("request line longer than 64 KiB").dump() + "\n";
        asio::async_write(
            socket_, asio::buffer(out_),
            [self = shared_from_this()](const boost::system::error_code&, std::size_t) {});
      }
      return;
    }
    std::string line(asio::buffers_begin(in_.data()), asio::buffers_begin(in_.data()) + n);
    in_.consume(n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    boost::system::error_code rec;
    auto remote = socket_.remote_endpoint(rec);
    out_ = owner_.answer(line, rec ? std::string("unknown") : remote.address().to_string());
    asio::async_write(
        socket_, asio::buffer(out_),
        [self = shared_from_this()](const boost::system::error_code& wec, std::size_t) {
          if (!wec) self->do_read();
        });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  mgmt_server& owner_;  // only used from handlers, which run while the server lives
  std::shared_ptr<live> live_;
  asio::streambuf in_;
  std::string out_;
};

mgmt_server::mgmt_server(asio::io_context& io, command_handler& handler, std::string token)
    : io_(io), handler_(handler), token_(std::move(token)), acceptor_(io) {}

mgmt_server::~mgmt_server() {
  stop();
  close_connections();
}

std::string mgmt_server::listen(const std::string& address, std::uint16_t port) {
  boost::system::error_code ec;
  auto a = asio::ip::make_address(address, ec);
  if (ec) return fmt::format("mgmt-address '{}' is not an IP address", address);
  // A configured token is always required; off loopback one must be configured.
  token_required_ = !token_.empty() || !a.is_loopback();
  if (!a.is_loopback() && token_.empty())
    return fmt::format("mgmt-port is bound to {} (not loopback): set mgmt-token in [sipproxy]",
                       address);
  if (std::string err = listen_tcp(acceptor_, a, port, "TCP"); !err.empty()) return err;
  do_accept();
  return {};
}

void mgmt_server::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void mgmt_server::close_connections() {
  for (auto& w : live_->all) {
    if (auto c = w.lock()) c->close();
  }
  live_->all.clear();
}

void mgmt_server::do_accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      if (live_->open >= 64) {
        boost::system::error_code ignored;
        s.close(ignored);
      } else {
        ++live_->open;
        std::erase_if(live_->all, [](const auto& w) { return w.expired(); });
        auto c = std::make_shared<connection>(std::move(s), *this);
        live_->all.push_back(c);
        c->start();
      }
    }
    do_accept();
  });
}

std::optional<json> mgmt_server::refuse_token(const request& r, const std::string& source,
                                              token_guard::clock::time_point now) {
  if (!is_mutating(r.cmd) || !token_required_) return std::nullopt;
  const token_guard_limits& lim = guard_.limits();
  std::string why;
  json reply = refused("this command needs the deployment's mgmt-token");
  if (long left = guard_.locked_for(source, now)) {
    why = fmt::format("locked out ({} s more) from {}", left, source);
    reply = refused(fmt::format(
        "too many wrong mgmt-token attempts from {}: refused for {} more seconds", source, left));
  } else if (r.token == token_) {
    guard_.record_success(source);
    return std::nullopt;
  } else if (r.token.empty()) {
    why = "no token from " + source;
  } else {
    why = "wrong token from " + source;
    if (guard_.record_failure(source, now))
      why += fmt::format("; {} wrong tokens within {} s: locked out for {} s", lim.max_failures,
                         lim.window.count(), lim.lockout.count());
  }
  std::size_t suppressed = 0;
  if (guard_.may_log(now, suppressed)) {
    log::standard("management: '{}' refused: {}{}", r.cmd, why,
                  suppressed ? fmt::format(" ({} more refusals were not logged)", suppressed)
                             : std::string());
  }
  return reply;
}

std::string mgmt_server::answer(std::string_view line, const std::string& source,
                                token_guard::clock::time_point now) {
  std::string error;
  auto r = decode_request(line, error);
  json reply;
  if (!r) {
    reply = refused("bad request: " + error);
  } else if (auto refusal = refuse_token(*r, source, now)) {
    reply = std::move(*refusal);
  } else {
    try {
      reply = handler_.handle(*r);
    } catch (const std::exception& e) {
      reply = refused(std::string("internal error: ") + e.what());
    }
  }
  return json_text(reply) + "\n";
}

}  // namespace sipproxy::mgmt
