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
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, 6379);
  EXPECT_EQ(t->db, 0);
  EXPECT_EQ(t->password, "");
  EXPECT_EQ(t->describe(), "127.0.0.1:6379/0");
}

TEST(shared_storage, password_database_and_ipv6) {
  auto t = parse_shared_storage("redis://:s3cr@t@[::1]:6380/2");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->host, "::1");
  EXPECT_EQ(t->port, 6380);
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

TEST(shared_storage, masks_the_password) {
  EXPECT_EQ(masked_shared_storage("redis://:pw@127.0.0.1:6379/1"), "redis://:***@127.0.0.1:6379/1");
  EXPECT_EQ(masked_shared_storage("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
  EXPECT_EQ(masked_shared_storage("peers"), "peers");
}

}  // namespace
}  // namespace sipproxy::config
