// shared-storage = redis://IP:PORT[/DB]: one Redis server, two connections to it
// (commands, subscription). Every key is on it; there is one data node.
#pragma once

#include "cluster/loss_reporter.hpp"
#include "cluster/redis_router.hpp"

namespace sipproxy::cluster {

class redis_single final : public redis_router {
 public:
  redis_single(boost::asio::io_context& io, config::redis_target target);
  ~redis_single() override { close(); }

  void open(const std::string& channel, reply_handler on_message, lost_handler on_lost) override;
  void close() override;
  void command(const std::string& key, const std::vector<std::string>& args,
               reply_handler h) override;
  std::size_t node_count() const override { return 1; }
  void command_on(std::size_t node, const std::vector<std::string>& args, reply_handler h) override;
  std::string describe() const override { return target_.describe(); }
  nlohmann::json status() const override;

 private:
  config::redis_target target_;
  redis_connection cmd_;
  redis_connection sub_;
  loss_reporter lost_;
};

}  // namespace sipproxy::cluster
