// shared-storage = redis-sentinel://IP:PORT[,IP:PORT...]/MASTER[/DB]: the master that
// these sentinels know as MASTER.
//
// open() asks the sentinels in turn (starting after the one that failed last)
// SENTINEL get-master-addr-by-name MASTER, connects to the address given and checks
// with ROLE that it is a master (after a failover the old master may come back as a
// replica before the sentinels have reconfigured it); then subscribes there. It stays
// subscribed to +switch-master on the sentinel that answered: a failover of MASTER is
// reported as lost at once, and the storage reconnects (asking the sentinels again)
// after its backoff, instead of waiting for the old master's connection to fail. A lost
// sentinel connection is no loss of the storage: another sentinel is watched a second
// later.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <optional>

#include "cluster/loss_reporter.hpp"
#include "cluster/redis_router.hpp"

namespace sipproxy::cluster {

class redis_sentinel final : public redis_router {
 public:
  redis_sentinel(boost::asio::io_context& io, config::redis_target target);
  ~redis_sentinel() override { close(); }

  void open(const std::string& channel, reply_handler on_message, lost_handler on_lost) override;
  void close() override;
  void command(const std::string& key, const std::vector<std::string>& args,
               reply_handler h) override;
  std::size_t node_count() const override { return 1; }
  void command_on(std::size_t node, const std::vector<std::string>& args, reply_handler h) override;
  std::string describe() const override;
  nlohmann::json status() const override;

 private:
  void ask(std::size_t tries);
  void on_master(std::size_t tries, const redisReply* r);
  void connect_master();
  void on_role(const redisReply* r);
  void watch();  // (re)subscribe to +switch-master on a sentinel, once up
  void on_event(const redisReply* r);
  const config::redis_address& sentinel() const {
    return target_.nodes[next_ % target_.nodes.size()];
  }

  config::redis_target target_;
  redis_connection sentinel_;  // asks, then watches +switch-master
  redis_connection cmd_;
  redis_connection sub_;
  boost::asio::steady_timer rewatch_timer_;
  loss_reporter lost_;
  std::string channel_;
  reply_handler on_message_;
  std::optional<config::redis_address> master_;  // the last one the sentinels named
  std::optional<config::redis_address> asked_;   // the sentinel that named it
  bool master_ready_ = false;                    // ROLE said master; subscribed
  std::size_t next_ = 0;                         // the sentinel to ask first
  std::uint64_t generation_ = 0;
  std::string last_error_;
  std::uint64_t switches_ = 0;
};

}  // namespace sipproxy::cluster
