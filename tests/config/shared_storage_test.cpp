#include "config/shared_storage.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace sipproxy::config {
namespace {

TEST(shared_storage, peers_is_no_redis) {
  EXPECT_FALSE(parse_shared_storage("peers").has_value());
}

TEST(shared_storage, plain_address) {
  auto t = parse_shared_storage("redis://127.0.0.1:6379");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->nodes.at(0).host, "127.0.0.1");
  EXPECT_EQ(t->nodes.at(0).port, 6379);
  EXPECT_EQ(t->db, 0);
  EXPECT_EQ(t->password, "");
  EXPECT_EQ(t->describe(), "127.0.0.1:6379/0");
}

TEST(shared_storage, password_database_and_ipv6) {
  auto t = parse_shared_storage("redis://:s3cr@t@[::1]:6380/2");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->nodes.at(0).host, "::1");
  EXPECT_EQ(t->nodes.at(0).port, 6380);
  EXPECT_EQ(t->db, 2);
  EXPECT_EQ(t->password, "s3cr@t");  // the last '@' ends the password
  EXPECT_EQ(t->describe(), "[::1]:6380/2");
}

TEST(shared_storage, refuses_what_it_cannot_use) {
  for (const char* bad :
       {"", "Peers", "redis://", "redis://127.0.0.1", "redis://127.0.0.1:0",
        "redis://127.0.0.1:70000", "redis://127.0.0.1:6379/x", "redis://127.0.0.1:6379/-1",
        "redis://localhost:6379", "redis://user:pw@127.0.0.1:6379", "redis://:@127.0.0.1:6379",
        "rediss://127.0.0.1:6379", "redis://[::1:6379"}) {
    EXPECT_THROW(parse_shared_storage(bad), std::invalid_argument) << bad;
  }
}

TEST(shared_storage, the_reason_says_what_is_wrong) {
  try {
    parse_shared_storage("redis://redis.local:6379");
    ADD_FAILURE() << "accepted a host name";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "'redis.local' is not an IP address");
  }
}

TEST(shared_storage, cluster_seed_nodes) {
  auto t = parse_shared_storage("redis-cluster://:pw@127.0.0.1:7000,127.0.0.2:7001,[::1]:7002");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->mode, redis_mode::cluster);
  ASSERT_EQ(t->nodes.size(), 3u);
  EXPECT_EQ(t->nodes[1].host, "127.0.0.2");
  EXPECT_EQ(t->nodes[1].port, 7001);
  EXPECT_EQ(t->nodes[2].text(), "[::1]:7002");
  EXPECT_EQ(t->password, "pw");
  EXPECT_EQ(t->db, 0);
  EXPECT_EQ(t->describe(), "cluster 127.0.0.1:7000,127.0.0.2:7001,[::1]:7002");
  EXPECT_EQ(parse_shared_storage("redis-cluster://127.0.0.1:7000/0")->db, 0);
}

TEST(shared_storage, a_cluster_has_database_0_only) {
  try {
    parse_shared_storage("redis-cluster://127.0.0.1:7000/2");
    ADD_FAILURE() << "accepted /2";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "a Redis Cluster has database 0 only: no /DB, or /0");
  }
}

TEST(shared_storage, sentinels_and_master_name) {
  auto t = parse_shared_storage("redis-sentinel://:pw@127.0.0.1:26379,127.0.0.1:26380/mymaster/3");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->mode, redis_mode::sentinel);
  ASSERT_EQ(t->nodes.size(), 2u);
  EXPECT_EQ(t->nodes[1].port, 26380);
  EXPECT_EQ(t->master_name, "mymaster");
  EXPECT_EQ(t->db, 3);
  EXPECT_EQ(t->password, "pw");
  EXPECT_EQ(t->describe(), "sentinel mymaster via 127.0.0.1:26379,127.0.0.1:26380/3");
  auto one = parse_shared_storage("redis-sentinel://127.0.0.1:26379/m");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->db, 0);
  EXPECT_EQ(one->master_name, "m");
}

TEST(shared_storage, refuses_bad_cluster_and_sentinel_forms) {
  for (const char* bad :
       {"redis-cluster://", "redis-cluster://127.0.0.1:7000,", "redis-cluster://127.0.0.1:7000,x:1",
        "redis-cluster://127.0.0.1", "redis-cluster://127.0.0.1:7000/x",
        "redis-cluster://user:pw@127.0.0.1:7000", "redis-sentinel://127.0.0.1:26379",
        "redis-sentinel://127.0.0.1:26379/", "redis-sentinel://127.0.0.1:26379/m/x",
        "redis-sentinel://host:26379/m", "redis://127.0.0.1:6379,127.0.0.1:6380",
        "redis-clusters://127.0.0.1:7000"}) {
    EXPECT_THROW(parse_shared_storage(bad), std::invalid_argument) << bad;
  }
}

TEST(shared_storage, masks_the_password) {
  EXPECT_EQ(masked_shared_storage("redis://:pw@127.0.0.1:6379/1"), "redis://:***@127.0.0.1:6379/1");
  EXPECT_EQ(masked_shared_storage("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
  EXPECT_EQ(masked_shared_storage("peers"), "peers");
  EXPECT_EQ(masked_shared_storage("redis-cluster://:pw@127.0.0.1:7000,127.0.0.1:7001"),
            "redis-cluster://:***@127.0.0.1:7000,127.0.0.1:7001");
  EXPECT_EQ(masked_shared_storage("redis-sentinel://:pw@127.0.0.1:26379/m"),
            "redis-sentinel://:***@127.0.0.1:26379/m");
}

}  // namespace
}  // namespace sipproxy::config
