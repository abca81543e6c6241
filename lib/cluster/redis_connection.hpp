// One hiredis asynchronous connection (redisAsyncContext) driven by the Asio loop: the
// context's addRead/delRead/addWrite/delWrite hooks arm async_wait on the socket, and
// its cleanup hook disarms them. Nothing here blocks: the address is an IP (no DNS),
// connecting is non-blocking, and every reply comes back through a handler.
//
// A handler is called exactly once with the reply, or with nullptr when the connection
// is gone first (closed, lost, or never made); a subscription's handler is called for
// every message until then.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct redisAsyncContext;
struct redisReply;

namespace sipproxy::cluster {

class redis_connection {
 public:
  using reply_handler = std::function<void(const redisReply*)>;
  using down_handler = std::function<void(const std::string& reason)>;

  explicit redis_connection(boost::asio::io_context& io) : io_(io) {}
  ~redis_connection();
  redis_connection(const redis_connection&) = delete;
  redis_connection& operator=(const redis_connection&) = delete;

  // Starts connecting. `on_down` is called once if the connection fails or ends for any
  // reason but close(). Commands may be issued at once: they are sent when connected.
  // False (and nothing started) when the context cannot even be created.
  bool open(const std::string& ip, std::uint16_t port, std::function<void()> on_up,
            down_handler on_down, std::string& error);
  // Queues a command; false when not open (the handler is not called then).
  bool command(const std::vector<std::string>& args, reply_handler h, bool subscription = false);
  // Drops the connection: pending handlers get nullptr, on_down is not called.
  void close();
  bool is_open() const { return ac_ != nullptr; }
  bool is_connected() const { return connected_; }

 private:
  struct watcher;
  static void on_connect(const redisAsyncContext* ac, int status);
  static void on_disconnect(const redisAsyncContext* ac, int status);
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
  void lost(const std::string& reason);
  void dispatch(std::uint64_t id, const redisReply* reply);

  boost::asio::io_context& io_;
  redisAsyncContext* ac_ = nullptr;
  bool connected_ = false;
  std::function<void()> on_up_;
  down_handler on_down_;
  struct pending {
    reply_handler handler;
    bool subscription;
  };
  std::map<std::uint64_t, pending> handlers_;
  std::uint64_t next_id_ = 1;
};

// The text of a status, string or error reply ("" for others or nullptr).
std::string reply_text(const redisReply* r);
bool reply_is_error(const redisReply* r);

}  // namespace sipproxy::cluster
