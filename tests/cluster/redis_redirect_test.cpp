#include "cluster/redis_redirect.hpp"

#include <gtest/gtest.h>

namespace sipproxy::cluster {
namespace {

TEST(redis_redirect, moved_names_the_slot_and_its_new_master) {
  auto r = parse_redirect("MOVED 3999 127.0.0.1:6381");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->how, redis_redirect::kind::moved);
  EXPECT_EQ(r->slot, 3999u);
  EXPECT_EQ(r->to.host, "127.0.0.1");
  EXPECT_EQ(r->to.port, 6381);
}

TEST(redis_redirect, ask_names_the_importing_node) {
  auto r = parse_redirect("ASK 16383 [::1]:7002");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->how, redis_redirect::kind::ask);
  EXPECT_EQ(r->slot, 16383u);
  EXPECT_EQ(r->to.text(), "[::1]:7002");
}

TEST(redis_redirect, anything_else_is_no_redirection) {
  for (const char* e :
       {"", "ERR unknown command", "MOVED", "MOVED 3999", "MOVED 3999 ", "MOVED x 127.0.0.1:1",
        "MOVED 16384 127.0.0.1:6381", "MOVED -1 127.0.0.1:6381", "MOVED 1 127.0.0.1",
        "MOVED 1 :6381", "MOVED 1 host:6381", "ASK 1 127.0.0.1:0", "moved 1 127.0.0.1:6381",
        "TRYAGAIN Multiple keys request during rehashing of slot",
        "CLUSTERDOWN The cluster is down", "NOSCRIPT No matching script"}) {
    EXPECT_FALSE(parse_redirect(e).has_value()) << e;
  }
}

TEST(redis_redirect, the_bound_is_small) {
  EXPECT_GE(max_redirections, 2);  // MOVED then ASK during a migration is normal
  EXPECT_LE(max_redirections, 16);
}

}  // namespace
}  // namespace sipproxy::cluster
