#include "transport/transport_manager.hpp"

#include <fmt/format.h>

#include <boost/asio/post.hpp>

#include "log/logger.hpp"
#include "transport/socket_options.hpp"

namespace sipproxy::transport {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

transport_manager::transport_manager(asio::io_context& io) : io_(io) {}

transport_manager::~transport_manager() {
  close_all();
}

std::string transport_manager::listen(const listen_options& options) {
  options_ = options;
  options_.tcp.tos = options.tos;
  std::vector<asio::ip::address> addresses;
  if (options.address.empty()) {
    addresses.push_back(asio::ip::address_v4::any());
    addresses.push_back(asio::ip::address_v6::any());
  } else {
    asio::ip::address a;
    if (!parse_ip(options.address, a))
      return fmt::format("sip-address '{}' is not an IP address", options.address);
    addresses.push_back(a);
  }
  for (const auto& a : addresses) {
    bool optional_v6 = options.address.empty() && a.is_v6();
    auto u = std::make_unique<udp_listener>(io_, *rx_);
    if (auto ec = u->open(udp::endpoint(a, options.port), options.tos, options.receive_buffer)) {
      if (optional_v6) continue;  // no IPv6 on this host: IPv4 alone is fine
      return fmt::format("UDP {}:{}: {}", a.to_string(), options.port, ec.message());
    }
    if (auto err = bind_acceptor(a, options.port, false); !err.empty()) {
      if (optional_v6) continue;
      return err;
    }
    udp_.push_back(std::move(u));
    if (options.tls_port != 0) {
      if (auto err = bind_acceptor(a, options.tls_port, true); !err.empty()) return err;
    }
  }
  port_ = options.port;
  for (auto& u : udp_) u->start();
  for (auto& a : acceptors_) do_accept(*a, false);
  for (auto& a : tls_acceptors_) do_accept(*a, true);
  return {};
}

std::string transport_manager::bind_acceptor(const asio::ip::address& a, std::uint16_t port,
                                             bool tls) {
  auto acc = std::make_unique<tcp::acceptor>(io_);
  boost::system::error_code ec;
  tcp::endpoint ep(a, port);
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
  // On the listener too: its SYN-ACKs carry the TOS, and accepted sockets inherit it.
  if (!ec) apply_tos(acc->native_handle(), a.is_v4(), options_.tos);
  if (!ec && a.is_v6()) acc->set_option(asio::ip::v6_only(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fmt::format("{} {}:{}: {}", tls ? "TLS" : "TCP", a.to_string(), port, ec.message());
  (tls ? tls_acceptors_ : acceptors_).push_back(std::move(acc));
  return {};
}

void transport_manager::do_accept(tcp::acceptor& acceptor, bool tls) {
  acceptor.async_accept([this, &acceptor, tls](const boost::system::error_code& ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    boost::system::error_code rec;
    asio::ip::address from = ec ? asio::ip::address{} : normalize(s.remote_endpoint(rec).address());
    if (!ec && !rec && !refuse_over_limit(s, from)) {
      auto c = std::make_shared<tcp_connection>(std::move(s), next_id_++, owner(), options_.tcp,
                                                tls ? options_.tls.server : nullptr);
      connections_.emplace(c->id(), c);
      by_remote_.emplace(c->remote(), c->id());
      inbound_.emplace(c->id(), from);
      ++inbound_per_source_[from];
      log::debug("{} connection {} accepted from {}:{}", tls ? "TLS" : "TCP", c->id(),
                 c->remote().address().to_string(), c->remote().port());
      c->start();
    }
    on_accept_error(acceptor, ec, tls);
  });
}

void transport_manager::on_accept_error(tcp::acceptor& acceptor,
                                        const boost::system::error_code& ec, bool tls) {
  auto& t = accept_waits_[&acceptor];
  if (!t) t = std::make_unique<asio::steady_timer>(io_);
  backoff_.retry(ec, *t, tls ? "SIP TLS" : "SIP TCP", [this, &acceptor, tls] {
    if (!closing_ && acceptor.is_open()) do_accept(acceptor, tls);
  });
}

bool transport_manager::refuse_over_limit(tcp::socket& s, const asio::ip::address& from) {
  // Which cap the connection is over, if any: the global one first.
  std::string why;
  log::throttle* log = nullptr;
  if (options_.max_inbound != 0 && inbound_.size() >= options_.max_inbound) {
    ++refused_total_;
    why = fmt::format("{} inbound connections open (max-tcp-connections = {})", inbound_.size(),
                      options_.max_inbound);
    log = &total_log_;
  } else {
    std::size_t limit = options_.max_connections_per_source;
    auto it = inbound_per_source_.find(from);
    std::size_t open = it == inbound_per_source_.end() ? 0 : it->second;
    if (limit == 0 || open < limit) return false;
    ++refused_;
    why = fmt::format("{} already open from that address (max-connections-per-source = {})", open,
                      limit);
    log = &refusal_log_;
  }
  boost::system::error_code ignored;
  s.close(ignored);
  if (auto held = log->allow())
    log::standard("TCP connection from {} refused: {}{}", from.to_string(), why,
                  *held ? fmt::format("; {} more refused since the last such line", *held) : "");
  return true;
}

std::uint16_t transport_manager::tcp_port() const {
  boost::system::error_code ec;
  return acceptors_.empty() ? 0 : acceptors_.front()->local_endpoint(ec).port();
}

std::uint16_t transport_manager::tls_port() const {
  boost::system::error_code ec;
  return tls_acceptors_.empty() ? 0 : tls_acceptors_.front()->local_endpoint(ec).port();
}

void transport_manager::stop_accepting() {
  boost::system::error_code ignored;
  for (auto& a : acceptors_) a->close(ignored);
  for (auto& a : tls_acceptors_) a->close(ignored);
  for (auto& [a, t] : accept_waits_) t->cancel();
}

void transport_manager::close_all() {
  closing_ = true;
  stop_accepting();
  for (auto& u : udp_) u->close();
  auto conns = connections_;
  for (auto& [id, c] : conns) c->stop();
  connections_.clear();
  by_remote_.clear();
  inbound_.clear();
  inbound_per_source_.clear();
}

std::shared_ptr<tcp_connection> transport_manager::find_connection(const peer& to) {
  // What is to go over TLS never goes over a plain connection (RFC 5630); what may go in
  // clear may go over TLS.
  auto fits = [&to](const tcp_connection& c) {
    return c.open() && (to.proto != protocol::tls || c.proto() == protocol::tls);
  };
  if (to.connection != 0) {
    if (auto it = connections_.find(to.connection); it != connections_.end() && fits(*it->second))
      return it->second;
  }
  tcp::endpoint ep(to.address, to.port);
  auto [lo, hi] = by_remote_.equal_range(ep);
  for (auto it = lo; it != hi; ++it) {
    if (auto c = connections_.find(it->second); c != connections_.end() && fits(*c->second))
      return c->second;
  }
  return nullptr;
}

bool transport_manager::send(const peer& to, std::string_view bytes) {
  if (closing_) return false;
  if (to.proto == protocol::udp) {
    for (auto& u : udp_) {
      if (u->is_v4() == to.address.is_v4())
        return u->send(udp::endpoint(to.address, to.port), bytes);
    }
    log::interaction("no UDP socket for {}", to.to_string());
    return false;
  }
  auto c = find_connection(to);
  if (!c) {
    if (options_.max_outbound != 0 && outbound_count() >= options_.max_outbound) {
      ++outbound_refused_;
      if (auto held = outbound_log_.allow())
        log::standard(
            "TCP connection to {} not opened: {} outbound connections open "
            "(max-tcp-outbound-connections = {}){}",
            to.to_string(), outbound_count(), options_.max_outbound,
            *held ? fmt::format("; {} more not opened since the last such line", *held) : "");
      return false;
    }
    bool tls = to.proto == protocol::tls;
    if (tls && !options_.tls.client) {
      log::interaction("no TLS connection to {}: this proxy has no TLS configured", to);
      return false;
    }
    tcp::socket s(io_);
    c = std::make_shared<tcp_connection>(std::move(s), next_id_++, owner(), options_.tcp,
                                         tls ? options_.tls.client : nullptr);
    if (tls) c->expect_peer_address(ip_text(to.address));
    tcp::endpoint ep(to.address, to.port);
    connections_.emplace(c->id(), c);
    by_remote_.emplace(ep, c->id());
    log::debug("{} connection {} opening to {}", tls ? "TLS" : "TCP", c->id(), to.to_string());
    c->connect(ep);
  }
  return c->send(std::string(bytes));
}

void transport_manager::on_frame(std::string bytes, const peer& from) {
  rx_->on_message(std::move(bytes), from);
}

void transport_manager::on_closed(const tcp_connection& c, bool undelivered) {
  if (closing_) return;
  std::uint64_t id = c.id();
  tcp::endpoint remote = c.remote();
  auto [lo, hi] = by_remote_.equal_range(remote);
  for (auto it = lo; it != hi; ++it) {
    if (it->second == id) {
      by_remote_.erase(it);
      break;
    }
  }
  log::debug("TCP connection {} to {}:{} closed", id, remote.address().to_string(), remote.port());
  if (auto in = inbound_.find(id); in != inbound_.end()) {
    auto n = inbound_per_source_.find(in->second);
    if (n != inbound_per_source_.end() && --n->second == 0) inbound_per_source_.erase(n);
    inbound_.erase(in);
  }
  peer p{c.proto(), normalize(remote.address()), remote.port(), id};
  // Keep the object alive until this call returns; it is in the middle of stop().
  std::shared_ptr<tcp_connection> keep;
  if (auto it = connections_.find(id); it != connections_.end()) {
    keep = it->second;
    connections_.erase(it);
  }
  if (undelivered) rx_->on_send_failed(p);
  asio::post(io_, [keep] {});
}

}  // namespace sipproxy::transport
