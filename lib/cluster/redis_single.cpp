#include "cluster/redis_single.hpp"

#include <fmt/format.h>

namespace sipproxy::cluster {

redis_single::redis_single(boost::asio::io_context& io, config::redis_target target)
    : target_(std::move(target)), cmd_(io), sub_(io), lost_(io) {}

void redis_single::open(const std::string& channel, reply_handler on_message,
                        lost_handler on_lost) {
  close();
  lost_.arm(std::move(on_lost));
  auto down = [this](const char* which) {
    return [this, which](const std::string& reason) {
      lost_.now(fmt::format("{}: {}", which, reason));
    };
  };
  const auto& node = target_.nodes.front();
  std::string err;
  if (!sub_.open(node.host, node.port, {}, down("subscription"), err) ||
      !cmd_.open(node.host, node.port, {}, down("commands"), err)) {
    lost_.later(err);
    return;
  }
  auto refused = [this](const std::string& why) { lost_.now(why); };
  send_setup(sub_, target_.password, 0, refused);
  send_setup(cmd_, target_.password, target_.db, refused);
  sub_.command({"SUBSCRIBE", channel}, std::move(on_message), true);
}

void redis_single::close() {
  lost_.disarm();
  sub_.close();
  cmd_.close();
}

void redis_single::command(const std::string&, const std::vector<std::string>& args,
                           reply_handler h) {
  command_on(0, args, std::move(h));
}

void redis_single::command_on(std::size_t, const std::vector<std::string>& args, reply_handler h) {
  if (!cmd_.command(args, h) && h) h(nullptr);
}

nlohmann::json redis_single::status() const {
  return {{"mode", config::mode_name(target_.mode)},
          {"nodes", nlohmann::json::array({target_.nodes.front().text()})}};
}

}  // namespace sipproxy::cluster
