#include "dns/resolver.hpp"

#include <ares.h>
#include <arpa/inet.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <cstring>
#include <mutex>

#include "dns/ares_error.hpp"
#include "dns/srv_reply.hpp"

namespace asio = boost::asio;

namespace sipproxy::dns {
namespace {

constexpr int class_in = 1;
constexpr int type_a = 1;
constexpr int type_aaaa = 28;
constexpr int type_srv = 33;
constexpr int max_addresses = 64;

void library_init() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

// Completions run from the loop, never inside c-ares. (Boost 1.81's
// any_completion_executor cannot be posted to; one resolver serves one thread, so the
// resolver's own executor is the handler's.)
template <typename Handler, typename Result>
void complete(Handler handler, const asio::any_io_executor& executor, std::error_code ec,
              Result result) {
  asio::post(executor, [h = std::move(handler), ec, r = std::move(result)]() mutable {
    std::move(h)(ec, std::move(r));
  });
}

std::string server_csv(const asio::ip::udp::endpoint& server) {
  const auto& a = server.address();
  std::string host = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
  return host + ":" + std::to_string(server.port());
}

}  // namespace

struct resolver::socket_watch {
  socket_watch(const asio::any_io_executor& ex, int fd_) : descriptor(ex), fd(fd_) {}
  asio::posix::stream_descriptor descriptor;
  int fd;
  bool want_read = false;
  bool want_write = false;
  bool reading = false;
  bool writing = false;
  bool closed = false;
};

struct resolver::address_query {
  resolver* self;
  record_type type;
  address_handler handler;
};

struct resolver::srv_query {
  resolver* self;
  srv_handler handler;
};

resolver::resolver(asio::any_io_executor executor, const resolver_options& options)
    : executor_(std::move(executor)), timer_(executor_) {
  library_init();
  ares_options opts{};
  opts.sock_state_cb = &resolver::on_socket_state;
  opts.sock_state_cb_data = this;
  opts.timeout = static_cast<int>(options.timeout.count());
  opts.tries = options.tries;
  opts.flags = ARES_FLAG_NOSEARCH;
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
  int rc = ares_init_options(&channel_, &opts, mask);
  if (rc != ARES_SUCCESS) {
    channel_ = nullptr;
    status_ = make_ares_error(rc);
    return;
  }
  if (options.server) {
    rc = ares_set_servers_ports_csv(channel_, server_csv(*options.server).c_str());
    if (rc != ARES_SUCCESS) status_ = make_ares_error(rc);
  }
}

resolver::~resolver() {
  if (channel_) {
    // Pending queries end with ARES_EDESTRUCTION (their handlers are posted); c-ares
    // closes its sockets, telling on_socket_state, which releases the descriptors.
    ares_destroy(channel_);
    channel_ = nullptr;
  }
  for (auto& [fd, w] : watches_) {
    w->closed = true;
    boost::system::error_code ignored;
    w->descriptor.cancel(ignored);
    w->descriptor.release();
  }
  watches_.clear();
}

void resolver::cancel() {
  if (channel_) ares_cancel(channel_);
}

void resolver::start_address(std::string name, record_type type, address_handler handler) {
  if (!channel_ || status_) {
    complete(std::move(handler), executor_, status_, std::vector<address_record>{});
    return;
  }
  auto* q = new address_query{this, type, std::move(handler)};
  ares_query(channel_, name.c_str(), class_in, type == record_type::aaaa ? type_aaaa : type_a,
             &resolver::on_address_reply, q);
  arm_timer();
}

void resolver::start_srv(std::string name, srv_handler handler) {
  if (!channel_ || status_) {
    complete(std::move(handler), executor_, status_, std::vector<srv_record>{});
    return;
  }
  auto* q = new srv_query{this, std::move(handler)};
  ares_query(channel_, name.c_str(), class_in, type_srv, &resolver::on_srv_reply, q);
  arm_timer();
}

void resolver::on_address_reply(void* arg, int status, int, unsigned char* abuf, int alen) {
  std::unique_ptr<address_query> q(static_cast<address_query*>(arg));
  std::vector<address_record> out;
  std::error_code ec = make_ares_error(status);
  if (!ec && q->type == record_type::a) {
    std::array<ares_addrttl, max_addresses> ttls{};
    int n = max_addresses;
    ec = make_ares_error(ares_parse_a_reply(abuf, alen, nullptr, ttls.data(), &n));
    for (int i = 0; !ec && i < n; ++i) {
      asio::ip::address_v4::bytes_type bytes;
      std::memcpy(bytes.data(), &ttls[i].ipaddr, bytes.size());
      out.push_back({asio::ip::address_v4(bytes), static_cast<std::uint32_t>(ttls[i].ttl)});
    }
  } else if (!ec) {
    std::array<ares_addr6ttl, max_addresses> ttls{};
    int n = max_addresses;
    ec = make_ares_error(ares_parse_aaaa_reply(abuf, alen, nullptr, ttls.data(), &n));
    for (int i = 0; !ec && i < n; ++i) {
      asio::ip::address_v6::bytes_type bytes;
      std::memcpy(bytes.data(), &ttls[i].ip6addr, bytes.size());
      out.push_back({asio::ip::address_v6(bytes), static_cast<std::uint32_t>(ttls[i].ttl)});
    }
  }
  if (!ec && out.empty()) ec = make_ares_error(ARES_ENODATA);
  complete(std::move(q->handler), q->self->executor_, ec, std::move(out));
}

void resolver::on_srv_reply(void* arg, int status, int, unsigned char* abuf, int alen) {
  std::unique_ptr<srv_query> q(static_cast<srv_query*>(arg));
  std::vector<srv_record> out;
  std::error_code ec = make_ares_error(status);
  if (!ec) ec = parse_srv_reply(abuf, alen, out);
  complete(std::move(q->handler), q->self->executor_, ec, std::move(out));
}

void resolver::on_socket_state(void* data, int fd, int readable, int writable) {
  static_cast<resolver*>(data)->watch(fd, readable != 0, writable != 0);
}

void resolver::watch(int fd, bool readable, bool writable) {
  auto it = watches_.find(fd);
  if (!readable && !writable) {
    // c-ares is about to close the socket: stop watching, but do not close it.
    if (it == watches_.end()) return;
    auto w = it->second;
    watches_.erase(it);
    w->closed = true;
    boost::system::error_code ignored;
    w->descriptor.cancel(ignored);
    w->descriptor.release();
    return;
  }
  if (it == watches_.end()) {
    auto w = std::make_shared<socket_watch>(executor_, fd);
    boost::system::error_code ec;
    w->descriptor.assign(fd, ec);
    if (ec) return;  // the timer still drives c-ares, which will time the query out
    it = watches_.emplace(fd, std::move(w)).first;
  }
  auto w = it->second;
  w->want_read = readable;
  w->want_write = writable;
  if (w->want_read && !w->reading) do_wait(w, true);
  if (w->want_write && !w->writing) do_wait(w, false);
}

void resolver::do_wait(const std::shared_ptr<socket_watch>& w, bool for_read) {
  (for_read ? w->reading : w->writing) = true;
  std::weak_ptr<int> alive = alive_;
  w->descriptor.async_wait(
      for_read ? asio::posix::descriptor_base::wait_read : asio::posix::descriptor_base::wait_write,
      [this, w, for_read, alive](const boost::system::error_code& ec) {
        (for_read ? w->reading : w->writing) = false;
        if (ec || w->closed || alive.expired()) return;
        on_ready(w, for_read);
      });
}

void resolver::on_ready(const std::shared_ptr<socket_watch>& w, bool for_read) {
  ares_process_fd(channel_, for_read ? w->fd : ARES_SOCKET_BAD, for_read ? ARES_SOCKET_BAD : w->fd);
  // Still interested (and not closed meanwhile): wait again.
  if (!w->closed) {
    if (for_read && w->want_read && !w->reading) do_wait(w, true);
    if (!for_read && w->want_write && !w->writing) do_wait(w, false);
  }
  arm_timer();
}

void resolver::arm_timer() {
  if (!channel_) return;
  timeval tv{};
  // Null when no query is in flight (with no `maxtv` to fall back to).
  timeval* next = ares_timeout(channel_, nullptr, &tv);
  if (next == nullptr) {
    timer_.cancel();  // nothing in flight: let the loop run dry
    return;
  }
  timer_.expires_after(std::chrono::seconds(next->tv_sec) +
                       std::chrono::microseconds(next->tv_usec));
  std::weak_ptr<int> alive = alive_;
  timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired()) return;
    on_timer();
  });
}

void resolver::on_timer() {
  ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  arm_timer();
}

}  // namespace sipproxy::dns
