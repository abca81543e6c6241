#include "cluster/redis_connection.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/posix/stream_descriptor.hpp>

namespace sipproxy::cluster {

namespace asio = boost::asio;

// The socket's readiness, for one context. Shared by the pending waits, so that it
// outlives hiredis's cleanup until the last wait has returned.
struct redis_connection::watcher : std::enable_shared_from_this<watcher> {
  watcher(asio::io_context& io, redisAsyncContext* c) : fd(io, c->c.fd), ac(c) {}
  asio::posix::stream_descriptor fd;
  redisAsyncContext* ac;
  bool want_read = false, want_write = false;
  bool read_armed = false, write_armed = false;
  std::shared_ptr<watcher> self;  // held until hiredis calls cleanup

  void arm(bool read) {
    bool& armed = read ? read_armed : write_armed;
    if (armed || !ac) return;
    armed = true;
    fd.async_wait(read ? asio::posix::stream_descriptor::wait_read
                       : asio::posix::stream_descriptor::wait_write,
                  [w = shared_from_this(), read](const boost::system::error_code& ec) {
                    (read ? w->read_armed : w->write_armed) = false;
                    if (ec || !w->ac || !(read ? w->want_read : w->want_write)) return;
                    if (read) {
                      redisAsyncHandleRead(w->ac);
                    } else {
                      redisAsyncHandleWrite(w->ac);
                    }
                    // The context may be gone now (cleanup cleared ac).
                    if (w->ac && (read ? w->want_read : w->want_write)) w->arm(read);
                  });
  }
  static void add_read(void* p) {
    auto* w = static_cast<watcher*>(p);
    w->want_read = true;
    w->arm(true);
  }
  static void del_read(void* p) { static_cast<watcher*>(p)->want_read = false; }
  static void add_write(void* p) {
    auto* w = static_cast<watcher*>(p);
    w->want_write = true;
    w->arm(false);
  }
  static void del_write(void* p) { static_cast<watcher*>(p)->want_write = false; }
  static void cleanup(void* p) {
    auto* w = static_cast<watcher*>(p);
    w->ac = nullptr;
    w->want_read = w->want_write = false;
    // hiredis closes the socket itself: give it back without closing it.
    boost::system::error_code ec;
    w->fd.cancel(ec);
    w->fd.release();
    auto keep = std::move(w->self);  // w may be freed when this returns
  }
};

redis_connection::~redis_connection() {
  close();
}

bool redis_connection::open(const std::string& ip, std::uint16_t port, std::function<void()> on_up,
                            down_handler on_down, std::string& error) {
  close();
  redisAsyncContext* ac = redisAsyncConnect(ip.c_str(), port);
  if (!ac) {
    error = "cannot allocate a Redis context";
    return false;
  }
  if (ac->err) {
    error = ac->errstr;
    redisAsyncFree(ac);
    return false;
  }
  auto w = std::make_shared<watcher>(io_, ac);
  w->self = w;
  ac->ev.data = w.get();
  ac->ev.addRead = watcher::add_read;
  ac->ev.delRead = watcher::del_read;
  ac->ev.addWrite = watcher::add_write;
  ac->ev.delWrite = watcher::del_write;
  ac->ev.cleanup = watcher::cleanup;
  ac->data = this;
  ac_ = ac;
  connected_ = false;
  on_up_ = std::move(on_up);
  on_down_ = std::move(on_down);
  // After the hooks: this arms the first write event, which completes the connect.
  redisAsyncSetConnectCallback(ac, on_connect);
  redisAsyncSetDisconnectCallback(ac, on_disconnect);
  return true;
}

bool redis_connection::command(const std::vector<std::string>& args, reply_handler h,
                               bool subscription) {
  if (!ac_ || args.empty()) return false;
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  std::uint64_t id = next_id_++;
  handlers_.emplace(id, pending{std::move(h), subscription});
  if (redisAsyncCommandArgv(ac_, on_reply, reinterpret_cast<void*>(static_cast<std::uintptr_t>(id)),
                            static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
    handlers_.erase(id);
    return false;
  }
  return true;
}

void redis_connection::close() {
  if (!ac_) return;
  redisAsyncContext* ac = ac_;
  ac_ = nullptr;
  connected_ = false;
  ac->data = nullptr;  // hiredis's callbacks during the free reach no one
  redisAsyncFree(ac);
  on_up_ = nullptr;
  on_down_ = nullptr;
  auto hs = std::move(handlers_);
  handlers_.clear();
  for (auto& [id, p] : hs) {
    if (p.handler) p.handler(nullptr);
  }
}

void redis_connection::lost(const std::string& reason) {
  // hiredis frees the context itself after this callback returns.
  ac_->data = nullptr;
  ac_ = nullptr;
  connected_ = false;
  auto hs = std::move(handlers_);
  handlers_.clear();
  auto down = std::move(on_down_);
  on_up_ = nullptr;
  on_down_ = nullptr;
  for (auto& [id, p] : hs) {
    if (p.handler) p.handler(nullptr);
  }
  if (down) down(reason);
}

void redis_connection::on_connect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<redis_connection*>(ac->data);
  if (!self) return;
  if (status != REDIS_OK) {
    self->lost(ac->errstr && *ac->errstr ? ac->errstr : "connect failed");
    return;
  }
  self->connected_ = true;
  if (self->on_up_) self->on_up_();
}

void redis_connection::on_disconnect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<redis_connection*>(ac->data);
  if (!self) return;
  self->lost(status == REDIS_OK ? "connection closed"
                                : (ac->errstr && *ac->errstr ? ac->errstr : "connection lost"));
}

void redis_connection::on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* self = static_cast<redis_connection*>(ac->data);
  if (!self) return;
  self->dispatch(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(privdata)),
                 static_cast<const redisReply*>(reply));
}

void redis_connection::dispatch(std::uint64_t id, const redisReply* reply) {
  auto it = handlers_.find(id);
  if (it == handlers_.end()) return;
  if (it->second.subscription && reply) {
    reply_handler h = it->second.handler;  // a copy: the handler may close us
    if (h) h(reply);
    return;
  }
  reply_handler h = std::move(it->second.handler);
  handlers_.erase(it);
  if (h) h(reply);
}

std::string reply_text(const redisReply* r) {
  if (!r || !r->str) return {};
  if (r->type != REDIS_REPLY_STATUS && r->type != REDIS_REPLY_STRING &&
      r->type != REDIS_REPLY_ERROR)
    return {};
  return std::string(r->str, r->len);
}

bool reply_is_error(const redisReply* r) {
  return !r || r->type == REDIS_REPLY_ERROR;
}

}  // namespace sipproxy::cluster
