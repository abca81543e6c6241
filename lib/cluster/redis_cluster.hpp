// shared-storage = redis-cluster://IP:PORT[,IP:PORT...]: a Redis Cluster, found from
// its seed nodes.
//
// open() asks the seeds (then the masters known from before) in turn for CLUSTER
// SLOTS, opens one connection per master and subscribes on one of them: a PUBLISH in
// a cluster reaches every node, so one subscription hears every instance's changes.
// A command goes to the master of its key's slot (redis_keys::cluster_slot: the hash
// tag, so one AOR's keys are one slot). -MOVED updates the map, resends there and has
// the whole map read again; -ASK sends ASKING and the command to the node named, once,
// leaving the map alone (a slot being migrated). More than max_redirections for one
// command, a lost connection to any master or to the subscription's node, or a slot
// that no master serves count as the storage lost: it reconnects, rewrites and re-reads
// everything, as after any outage.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "cluster/loss_reporter.hpp"
#include "cluster/redis_router.hpp"
#include "cluster/redis_slot_map.hpp"

namespace sipproxy::cluster {

class redis_cluster final : public redis_router {
 public:
  redis_cluster(boost::asio::io_context& io, config::redis_target target);
  ~redis_cluster() override { close(); }

  void open(const std::string& channel, reply_handler on_message, lost_handler on_lost) override;
  void close() override;
  void command(const std::string& key, const std::vector<std::string>& args,
               reply_handler h) override;
  std::size_t node_count() const override { return nodes_.size(); }
  void command_on(std::size_t node, const std::vector<std::string>& args, reply_handler h) override;
  std::string describe() const override { return target_.describe(); }
  nlohmann::json status() const override;

 private:
  struct node {
    config::redis_address address;
    std::unique_ptr<redis_connection> conn;
  };
  using shared_args = std::shared_ptr<const std::vector<std::string>>;

  void ask_slots(std::size_t candidate);
  void on_slots(std::size_t candidate, const redisReply* r);
  void subscribe();
  node& node_for(const config::redis_address& a);
  void send(unsigned slot, shared_args args, reply_handler h, int hops,
            std::optional<config::redis_address> ask);
  void refresh(const config::redis_address& via);

  boost::asio::io_context& io_;
  config::redis_target target_;
  redis_slot_map map_;
  std::vector<node> nodes_;  // opened in this session, in order; none is dropped before close()
  std::vector<config::redis_address> candidates_;
  redis_connection probe_;  // CLUSTER SLOTS at open()
  redis_connection sub_;
  config::redis_address sub_node_;
  std::string channel_;
  reply_handler on_message_;
  loss_reporter lost_;
  std::uint64_t generation_ = 0;
  bool refreshing_ = false;
  std::string last_error_;
  struct counters {
    std::uint64_t moved = 0, ask = 0, refreshes = 0;
  } counters_;
};

}  // namespace sipproxy::cluster
