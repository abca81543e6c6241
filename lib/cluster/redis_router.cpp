#include "cluster/redis_router.hpp"

#include <fmt/format.h>

#include "cluster/redis_cluster.hpp"
#include "cluster/redis_sentinel.hpp"
#include "cluster/redis_single.hpp"

namespace sipproxy::cluster {

std::unique_ptr<redis_router> make_redis_router(boost::asio::io_context& io,
                                                const config::redis_target& target) {
  switch (target.mode) {
    case config::redis_mode::cluster:
      return std::make_unique<redis_cluster>(io, target);
    case config::redis_mode::sentinel:
      return std::make_unique<redis_sentinel>(io, target);
    case config::redis_mode::single:
      break;
  }
  return std::make_unique<redis_single>(io, target);
}

void send_setup(redis_connection& c, const std::string& password, int db,
                std::function<void(const std::string&)> refused) {
  auto expect_ok = [refused](const char* what) {
    return [refused, what](const redisReply* r) {
      if (r && reply_is_error(r)) refused(fmt::format("{} refused: {}", what, reply_text(r)));
    };
  };
  if (!password.empty()) c.command({"AUTH", password}, expect_ok("AUTH"));
  if (db) c.command({"SELECT", std::to_string(db)}, expect_ok("SELECT"));
}

}  // namespace sipproxy::cluster
