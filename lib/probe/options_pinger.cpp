#include "probe/options_pinger.hpp"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <random>

#include "sip/parser.hpp"
#include "sip/request_builder.hpp"
#include "sip/stream_framer.hpp"
#include "sip/via.hpp"

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using std::chrono::steady_clock;

namespace sipproxy::probe {
namespace {

constexpr auto t1 = std::chrono::milliseconds(500);
constexpr auto t2 = std::chrono::milliseconds(4000);
constexpr std::size_t max_message = 65536;

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

std::string host_text(const asio::ip::address& a) {
  return a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
}

std::string seconds_text(std::chrono::milliseconds ms) {
  return fmt::format("{:g} s", static_cast<double>(ms.count()) / 1000.0);
}

std::string describe(const boost::system::error_code& ec) {
  if (ec == asio::error::connection_refused) return "connection refused (nothing listens there)";
  if (ec == asio::error::host_unreachable || ec == asio::error::network_unreachable)
    return "unreachable: " + ec.message();
  return ec.message();
}

std::chrono::microseconds since(steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(steady_clock::now() - start);
}

}  // namespace

bool match_response(std::string bytes, std::string_view branch, int& status, std::string& reason) {
  auto parsed = sip::parse(std::move(bytes));
  if (!parsed.msg || parsed.error_status != 0 || !parsed.msg->is_response()) return false;
  const auto& m = *parsed.msg;
  auto v = sip::parse_via(m.value(sip::header_id::via));
  if (!v || v->branch() != branch) return false;
  if (m.value(sip::header_id::cseq).find("OPTIONS") == std::string_view::npos) return false;
  if (m.status() < 200) return false;
  status = m.status();
  reason = std::string(m.reason());
  return true;
}

options_pinger::options_pinger(asio::any_io_executor executor) : executor_(std::move(executor)) {}

std::string options_pinger::new_token() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return fmt::format("{:016x}", engine());
}

asio::awaitable<ping_result> options_pinger::ping(const dns::sip_target& target,
                                                  std::string request_target,
                                                  std::chrono::milliseconds timeout) {
  if (target.transport == dns::sip_transport::udp)
    co_return co_await ping_udp(target, request_target, timeout);
  if (target.transport == dns::sip_transport::tcp)
    co_return co_await ping_tcp(target, request_target, timeout);
  ping_result r;
  r.error = "TLS is not supported by sipprobe";
  co_return r;
}

asio::awaitable<ping_result> options_pinger::ping_udp(const dns::sip_target& target,
                                                      const std::string& request_target,
                                                      std::chrono::milliseconds timeout) {
  ping_result r;
  asio::ip::udp::endpoint remote(target.address, target.port);
  asio::ip::udp::socket socket(executor_);
  boost::system::error_code ec;
  socket.open(remote.protocol(), ec);
  // Connected: only the target's datagrams reach us, and an ICMP port unreachable
  // comes back as connection_refused instead of a silent timeout.
  if (!ec) socket.connect(remote, ec);
  asio::ip::udp::endpoint local;
  if (!ec) local = socket.local_endpoint(ec);
  if (ec) {
    r.error = describe(ec);
    co_return r;
  }
  std::string branch = std::string(sip::magic_cookie) + new_token();
  std::string call_id = new_token() + "@" + local.address().to_string();
  std::string request = sip::build_options(request_target, "UDP", host_text(local.address()),
                                           local.port(), branch, call_id, ++cseq_);

  const auto start = steady_clock::now();
  const auto deadline = start + timeout;
  auto interval = std::chrono::duration_cast<steady_clock::duration>(t1);
  auto next_send = start;
  asio::steady_timer timer(executor_);
  std::string buffer(max_message, '\0');
  for (;;) {
    auto now = steady_clock::now();
    if (now >= deadline) break;
    if (now >= next_send) {
      auto [send_ec, n] = co_await socket.async_send(asio::buffer(request), tuple_awaitable);
      (void)n;
      if (send_ec) {
        r.error = describe(send_ec);
        co_return r;
      }
      next_send = now + interval;
      interval = std::min<steady_clock::duration>(interval * 2, t2);
    }
    timer.expires_at(std::min(next_send, deadline));
    auto which = co_await (socket.async_receive(asio::buffer(buffer), tuple_awaitable) ||
                           timer.async_wait(tuple_awaitable));
    if (which.index() == 1) continue;  // time to retransmit, or the deadline
    auto [recv_ec, n] = std::get<0>(which);
    if (recv_ec) {
      r.error = describe(recv_ec);
      co_return r;
    }
    if (match_response(buffer.substr(0, n), branch, r.status, r.reason)) {
      r.rtt = since(start);
      co_return r;
    }
  }
  r.error = "no answer within " + seconds_text(timeout);
  co_return r;
}

asio::awaitable<ping_result> options_pinger::ping_tcp(const dns::sip_target& target,
                                                      const std::string& request_target,
                                                      std::chrono::milliseconds timeout) {
  ping_result r;
  asio::ip::tcp::endpoint remote(target.address, target.port);
  asio::ip::tcp::socket socket(executor_);
  asio::steady_timer timer(executor_);
  const auto start = steady_clock::now();
  timer.expires_at(start + timeout);

  auto connected =
      co_await (socket.async_connect(remote, tuple_awaitable) || timer.async_wait(tuple_awaitable));
  if (connected.index() == 1) {
    r.error = "could not connect within " + seconds_text(timeout);
    co_return r;
  }
  if (auto [ec] = std::get<0>(connected); ec) {
    r.error = describe(ec);
    co_return r;
  }
  boost::system::error_code ec;
  auto local = socket.local_endpoint(ec);
  if (ec) {
    r.error = describe(ec);
    co_return r;
  }
  std::string branch = std::string(sip::magic_cookie) + new_token();
  std::string call_id = new_token() + "@" + local.address().to_string();
  std::string request = sip::build_options(request_target, "TCP", host_text(local.address()),
                                           local.port(), branch, call_id, ++cseq_);
  auto written = co_await (asio::async_write(socket, asio::buffer(request), tuple_awaitable) ||
                           timer.async_wait(tuple_awaitable));
  if (written.index() == 1) {
    r.error = "could not send within " + seconds_text(timeout);
    co_return r;
  }
  if (auto [wec, n] = std::get<0>(written); wec) {
    (void)n;
    r.error = describe(wec);
    co_return r;
  }

  std::string stream;
  std::string chunk(8192, '\0');
  for (;;) {
    // Whole messages first: a response may already be in the buffer.
    for (;;) {
      auto f = sip::next_frame(stream, max_message);
      if (f.what == sip::frame::kind::need_more) break;
      if (f.what == sip::frame::kind::error) {
        r.error = "unreadable stream from the server: " + f.error;
        co_return r;
      }
      std::string one = stream.substr(0, f.length);
      stream.erase(0, f.length);
      if (f.what == sip::frame::kind::message &&
          match_response(std::move(one), branch, r.status, r.reason)) {
        r.rtt = since(start);
        co_return r;
      }
    }
    auto got = co_await (socket.async_read_some(asio::buffer(chunk), tuple_awaitable) ||
                         timer.async_wait(tuple_awaitable));
    if (got.index() == 1) break;
    auto [rec, n] = std::get<0>(got);
    if (rec) {
      r.error = rec == asio::error::eof ? "the server closed the connection without answering"
                                        : describe(rec);
      co_return r;
    }
    stream.append(chunk, 0, n);
    if (stream.size() > max_message * 2) {
      r.error = "the server sent too much without answering";
      co_return r;
    }
  }
  r.error = "no answer within " + seconds_text(timeout);
  co_return r;
}

}  // namespace sipproxy::probe
