#include "mgmt/mgmt_server.hpp"

#include <fmt/format.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "log/logger.hpp"
#include "mgmt/constant_time.hpp"
#include "mgmt/json_text.hpp"
#include "mgmt/listen_tcp.hpp"
#include "transport/deadline.hpp"

namespace sipproxy::mgmt {

namespace asio = boost::asio;
using asio::ip::tcp;

class mgmt_server::connection : public std::enable_shared_from_this<connection> {
 public:
  connection(tcp::socket s, mgmt_server& owner)
      : socket_(std::move(s)),
        read_deadline_(socket_.get_executor()),
        auth_deadline_(socket_.get_executor()),
        owner_(owner),
        live_(owner.live_),
        idle_(owner.limits_.idle_timeout),
        in_(max_line) {
    ++live_->unauthenticated;
  }
  ~connection() { leave(); }

  void start(std::chrono::seconds auth_timeout) {
    auth_deadline_.arm(auth_timeout, weak_from_this(), [](connection& self) { self.close(); });
    do_read();
  }
  void close() {
    leave();
    boost::system::error_code ignored;
    read_deadline_.cancel();
    auth_deadline_.cancel();
    socket_.close(ignored);
  }
  bool authenticated() const { return state_ == state::authenticated; }
  bool counted() const { return state_ != state::gone; }

 private:
  enum class state { unauthenticated, authenticated, gone };

  // Gives the connection's slot back, once.
  void leave() {
    if (state_ == state::unauthenticated) --live_->unauthenticated;
    if (state_ == state::authenticated) --live_->authenticated;
    state_ = state::gone;
  }
  void authenticate() {
    if (state_ != state::unauthenticated) return;
    --live_->unauthenticated;
    ++live_->authenticated;
    state_ = state::authenticated;
    auth_deadline_.cancel();
  }

  void do_read() {
    read_deadline_.arm(idle_, weak_from_this(), [](connection& self) { self.close(); });
    asio::async_read_until(socket_, in_, '\n',
                           [self = shared_from_this()](const boost::system::error_code& ec,
                                                       std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(const boost::system::error_code& ec, std::size_t n) {
    read_deadline_.cancel();
    if (state_ == state::gone) return;
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
    bool ok = false;
    out_ = owner_.answer(line, rec ? std::string("unknown") : remote.address().to_string(),
                         token_guard::clock::now(), &ok);
    if (ok) authenticate();
    asio::async_write(
        socket_, asio::buffer(out_),
        [self = shared_from_this()](const boost::system::error_code& wec, std::size_t) {
          if (!wec) self->do_read();
        });
  }

  tcp::socket socket_;
  transport::deadline read_deadline_;  // the next line, within idle_
  transport::deadline auth_deadline_;  // the first authenticated line, within auth_timeout
  mgmt_server& owner_;                 // only used from handlers, which run while the server lives
  std::shared_ptr<live> live_;
  std::chrono::seconds idle_;
  state state_ = state::unauthenticated;
  asio::streambuf in_;
  std::string out_;
};

mgmt_server::mgmt_server(asio::io_context& io, command_handler& handler, std::string token,
                         mgmt_limits limits)
    : io_(io),
      handler_(handler),
      token_(std::move(token)),
      limits_(limits),
      acceptor_(io),
      accept_wait_(io) {}

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
  accept_wait_.cancel();
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
    if (!ec) accept_one(std::move(s));
    backoff_.retry(ec, accept_wait_, "management port", [this] {
      if (acceptor_.is_open()) do_accept();
    });
  });
}

void mgmt_server::accept_one(tcp::socket s) {
  std::erase_if(live_->all, [](const auto& w) {
    auto c = w.lock();
    return !c || !c->counted();
  });
  if (live_->unauthenticated >= limits_.max_unauthenticated) {
    // The oldest connection that has not authenticated makes room: a peer or an operator
    // authenticates with its first line, a flood of idle connections never does.
    for (auto& w : live_->all) {
      auto c = w.lock();
      if (c && c->counted() && !c->authenticated()) {
        c->close();
        ++live_->evicted;
        break;
      }
    }
  }
  if (live_->authenticated + live_->unauthenticated >= limits_.max_connections) {
    ++live_->refused;
    boost::system::error_code ignored;
    s.close(ignored);
    return;
  }
  auto c = std::make_shared<connection>(std::move(s), *this);
  live_->all.push_back(c);
  c->start(limits_.auth_timeout);
}

bool mgmt_server::token_matches(const request& r, const std::string& source,
                                token_guard::clock::time_point now) const {
  if (!token_required_) return true;
  if (r.token.empty() || guard_.locked_for(source, now)) return false;
  return equal_constant_time(r.token, token_);
}

std::optional<json> mgmt_server::refuse_token(const request& r, const std::string& source,
                                              token_guard::clock::time_point now) {
  if (!needs_token(r.cmd) || !token_required_) return std::nullopt;
  const token_guard_limits& lim = guard_.limits();
  std::string why;
  json reply = refused("this command needs the deployment's mgmt-token");
  if (long left = guard_.locked_for(source, now)) {
    why = fmt::format("locked out ({} s more) from {}", left, source);
    reply = refused(fmt::format(
        "too many wrong mgmt-token attempts from {}: refused for {} more seconds", source, left));
  } else if (equal_constant_time(r.token, token_)) {
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
                                token_guard::clock::time_point now, bool* authenticated) {
  std::string error;
  auto r = decode_request(line, error);
  json reply;
  if (authenticated) *authenticated = r && token_matches(*r, source, now);
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
