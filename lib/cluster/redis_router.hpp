// What redis_storage talks to: the Redis node(s) that hold the shared state, behind
// one interface whatever the deployment (shared-storage = redis://, redis-cluster://,
// redis-sentinel://). A router connects, subscribes to the change channel, sends each
// command to the node that holds its key, and reports once when anything the storage
// relies on is lost; the storage then closes it and opens it again after its backoff.
//
// Implementations: redis_single (one server), redis_cluster (slot map, MOVED/ASK),
// redis_sentinel (the master the sentinels name). All on the Asio loop, none blocks.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cluster/redis_connection.hpp"
#include "config/shared_storage.hpp"

namespace sipproxy::cluster {

class redis_router {
 public:
  using reply_handler = redis_connection::reply_handler;
  using lost_handler = std::function<void(const std::string& reason)>;

  virtual ~redis_router() = default;

  // Starts connecting and subscribing to `channel`: every reply on the subscription,
  // its confirmation first, goes to `on_message`. `on_lost` is called at most once
  // per open(), never from within open() itself.
  virtual void open(const std::string& channel, reply_handler on_message, lost_handler on_lost) = 0;
  // Drops everything: pending handlers get nullptr, on_lost is not called.
  virtual void close() = 0;
  // A command about `key`, on the node that serves it. The handler gets the final
  // reply (after any redirection), or nullptr when the connection went first.
  virtual void command(const std::string& key, const std::vector<std::string>& args,
                       reply_handler h) = 0;
  // The data nodes (the masters), for what goes to each: SCAN, PING, SCRIPT LOAD.
  // Valid between the subscription's confirmation and the next close().
  virtual std::size_t node_count() const = 0;
  virtual void command_on(std::size_t node, const std::vector<std::string>& args,
                          reply_handler h) = 0;

  // What is in use now, for logs ("IP:PORT/DB", "cluster ...", "sentinel ...").
  virtual std::string describe() const = 0;
  // The mode and the node(s) in use, for sipproxyctl status/peers.
  virtual nlohmann::json status() const = 0;
};

std::unique_ptr<redis_router> make_redis_router(boost::asio::io_context& io,
                                                const config::redis_target& target);

// Queues AUTH (with a password) and SELECT (db > 0) on a new connection; a refusal is
// reported to `refused` ("AUTH refused: ..."). The handlers are dropped with `c`.
void send_setup(redis_connection& c, const std::string& password, int db,
                std::function<void(const std::string&)> refused);

}  // namespace sipproxy::cluster
