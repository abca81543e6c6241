#include "mgmt/http_server.hpp"

#include <fmt/format.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <random>

#include "log/logger.hpp"
#include "mgmt/json_text.hpp"
#include "mgmt/listen_tcp.hpp"
#include "mgmt/status_page.hpp"
#include "transport/deadline.hpp"

namespace sipproxy::mgmt {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {
constexpr std::size_t max_connections = 32;

// Whether the query string holds fragment=1 (the status page's refresh).
bool asks_fragment(std::string_view query) {
  while (!query.empty()) {
    auto amp = query.find('&');
    if (query.substr(0, amp) == "fragment=1") return true;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

// 128 unpredictable bits as hex: the status page's CSP nonce, new for every response.
std::string page_nonce() {
  std::random_device random;
  std::string out;
  for (int i = 0; i < 4; ++i) out += fmt::format("{:08x}", random());
  return out;
}
}  // namespace

class http_server::session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket s, http_server& owner)
      : socket_(std::move(s)),
        deadline_(socket_.get_executor()),
        owner_(owner),
        live_(owner.live_) {
    parser_.body_limit(0);
    parser_.header_limit(8192);
    ++live_->open;
  }
  ~session() { leave(); }

  void close() {
    leave();
    boost::system::error_code ignored;
    deadline_.cancel();
    socket_.close(ignored);
  }
  bool counted() const { return counted_; }

  void start() {
    deadline_.arm(std::chrono::seconds(10), weak_from_this(), [](session& self) { self.close(); });
    http::async_read(socket_, buffer_, parser_,
                     [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

 private:
  void leave() {
    if (counted_) --live_->open;
    counted_ = false;
  }

  void on_read(const boost::system::error_code& ec) {
    if (!counted_) return;
    if (ec) {
      if (ec == http::error::header_limit || ec == http::error::body_limit ||
          ec == http::error::bad_target || ec == http::error::bad_method ||
          ec == http::error::bad_version)
        reply(http::status::bad_request, "text/plain", "bad request\n");
      return;
    }
    const auto& req = parser_.get();
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      reply(http::status::method_not_allowed, "text/plain",
            "read-only: GET /, /status, /metrics, /healthz\n");
      return;
    }
    std::string_view target(req.target().data(), req.target().size());
    std::string_view query;
    if (auto q = target.find('?'); q != std::string_view::npos) {
      query = target.substr(q + 1);
      target = target.substr(0, q);
    }
    const http_source& src = owner_.source_;
    if (target == "/") {
      std::string nonce = page_nonce();
      res_.set(http::field::cache_control, "no-store");
      res_.set("Content-Security-Policy", status_page_csp(nonce));
      res_.set("X-Content-Type-Options", "nosniff");
      json doc = src.status_document();
      json rates =
          owner_.rates_.observe(doc.value("counters", json()), counter_rates::clock::now());
      doc["rates"] = std::move(rates);
      reply(http::status::ok, "text/html; charset=utf-8",
            asks_fragment(query) ? status_fragment(doc) : status_page(doc, nonce));
    } else if (target == "/status") {
      reply(http::status::ok, "application/json", json_text(src.status_document(), 2) + "\n");
    } else if (target == "/metrics") {
      reply(http::status::ok, "text/plain; version=0.0.4", src.metrics_text());
    } else if (target == "/healthz") {
      bool ok = src.serving();
      reply(ok ? http::status::ok : http::status::service_unavailable, "text/plain",
            ok ? "serving\n" : "not serving\n");
    } else {
      reply(http::status::not_found, "text/plain",
            "not found: GET /, /status, /metrics, /healthz\n");
    }
  }

  void reply(http::status status, std::string_view type, std::string body) {
    res_.result(status);
    res_.version(11);
    res_.set(http::field::server, "sipproxy/" SIPPROXY_VERSION);
    res_.set(http::field::content_type, type);
    res_.set(http::field::connection, "close");
    res_.body() = std::move(body);
    res_.prepare_payload();
    http::async_write(socket_, res_,
                      [self = shared_from_this()](const boost::system::error_code&, std::size_t) {
                        boost::system::error_code ignored;
                        self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
                        self->deadline_.cancel();
                      });
  }

  tcp::socket socket_;
  transport::deadline deadline_;  // the whole exchange, within 10 s
  http_server& owner_;            // only used from handlers, which run while the server lives
  std::shared_ptr<live> live_;
  bool counted_ = true;
  boost::beast::flat_buffer buffer_{8192};
  http::request_parser<http::empty_body> parser_;
  http::response<http::string_body> res_;
};

http_server::http_server(asio::io_context& io, const http_source& source)
    : io_(io), source_(source), acceptor_(io), accept_wait_(io) {}

http_server::~http_server() {
  stop();
}

std::string http_server::listen(const std::string& address, std::uint16_t port) {
  boost::system::error_code ec;
  auto a = asio::ip::make_address(address, ec);
  if (ec) return fmt::format("mgmt-address '{}' is not an IP address", address);
  if (std::string err = listen_tcp(acceptor_, a, port, "HTTP"); !err.empty()) return err;
  do_accept();
  return {};
}

void http_server::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_wait_.cancel();
}

void http_server::do_accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) accept_one(std::move(s));
    backoff_.retry(ec, accept_wait_, "HTTP port", [this] {
      if (acceptor_.is_open()) do_accept();
    });
  });
}

void http_server::accept_one(tcp::socket s) {
  std::erase_if(live_->all, [](const auto& w) {
    auto c = w.lock();
    return !c || !c->counted();
  });
  if (live_->open >= max_connections && !live_->all.empty()) {
    if (auto oldest = live_->all.front().lock()) {
      oldest->close();
      ++live_->evicted;
    }
    live_->all.erase(live_->all.begin());
  }
  auto c = std::make_shared<session>(std::move(s), *this);
  live_->all.push_back(c);
  c->start();
}

}  // namespace sipproxy::mgmt
