#include "routing/session_table.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sipproxy::routing {
namespace {

using namespace std::chrono_literals;

class session_table_test : public ::testing::Test {
 protected:
  void SetUp() override {
    table.set_clock([this] { return now; });
  }

  memory_session_table::clock::time_point now{};
  memory_session_table table{60s, 3};
};

TEST_F(session_table_test, record_and_lookup) {
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.lookup("c1"), std::nullopt);
  table.record("c1", 2);
  table.record("c2", 0);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.lookup("c1"), std::optional<std::size_t>(2));
  EXPECT_EQ(table.lookup("c2"), std::optional<std::size_t>(0));
  EXPECT_EQ(table.lookup("c3"), std::nullopt);
}

TEST_F(session_table_test, record_again_updates_the_pair) {
  table.record("c1", 2);
  table.record("c1", 5);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.lookup("c1"), std::optional<std::size_t>(5));
}

TEST_F(session_table_test, empty_call_id_is_not_recorded) {
  table.record("", 1);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.lookup(""), std::nullopt);
}

TEST_F(session_table_test, expire_drops_entries_idle_longer_than_idle) {
  table.record("old", 1);
  now += 30s;
  table.record("new", 2);
  now += 30s;  // "old" idle exactly 60 s: kept
  EXPECT_EQ(table.expire(now), 0u);
  EXPECT_EQ(table.size(), 2u);
  now += 1s;  // "old" 61 s, "new" 31 s
  EXPECT_EQ(table.expire(now), 1u);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.lookup("old"), std::nullopt);
  EXPECT_EQ(table.lookup("new"), std::optional<std::size_t>(2));
  now += 61s;
  EXPECT_EQ(table.expire(now), 1u);
  EXPECT_EQ(table.size(), 0u);
}

TEST_F(session_table_test, lookup_refreshes_the_entry) {
  table.record("c1", 1);
  table.record("c2", 2);
  now += 50s;
  EXPECT_EQ(table.lookup("c1"), std::optional<std::size_t>(1));  // last used at 50 s
  now += 20s;                                                    // 70 s
  EXPECT_EQ(table.expire(now), 1u);
  EXPECT_EQ(table.lookup("c2"), std::nullopt);
  EXPECT_EQ(table.lookup("c1"), std::optional<std::size_t>(1));  // now used at 70 s
  now += 60s;
  EXPECT_EQ(table.expire(now), 0u);
  now += 1s;
  EXPECT_EQ(table.expire(now), 1u);
}

TEST_F(session_table_test, record_refreshes_the_entry) {
  table.record("c1", 1);
  now += 50s;
  table.record("c1", 1);
  now += 20s;
  EXPECT_EQ(table.expire(now), 0u);
  EXPECT_EQ(table.size(), 1u);
}

TEST_F(session_table_test, capacity_limits_new_entries_only) {
  table.record("c1", 1);
  table.record("c2", 2);
  table.record("c3", 3);
  EXPECT_EQ(table.size(), 3u);
  table.record("c4", 4);  // full: not recorded
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.lookup("c4"), std::nullopt);
  table.record("c2", 7);  // existing: still updated
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.lookup("c2"), std::optional<std::size_t>(7));

  // Once entries expire there is room again.
  now += 10s;
  table.lookup("c1");
  now += 55s;  // c2, c3 idle 65 s; c1 55 s
  EXPECT_EQ(table.expire(now), 2u);
  table.record("c4", 4);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.lookup("c4"), std::optional<std::size_t>(4));
}

TEST(memory_session_table, defaults_hold_many_entries_for_an_hour) {
  memory_session_table t;
  memory_session_table::clock::time_point now{};
  t.set_clock([&now] { return now; });
  for (int i = 0; i < 1000; ++i)
    t.record("call-" + std::to_string(i), static_cast<std::size_t>(i % 4));
  EXPECT_EQ(t.size(), 1000u);
  EXPECT_EQ(t.lookup("call-7"), std::optional<std::size_t>(3));
  EXPECT_EQ(t.expire(now + 3600s), 0u);
  EXPECT_EQ(t.expire(now + 3601s), 1000u);
  EXPECT_EQ(t.size(), 0u);
}

}  // namespace
}  // namespace sipproxy::routing

namespace sipproxy::routing {
namespace {

TEST(dn_session_key, no_call_id_names_a_dn_entry) {
  EXPECT_EQ(dn_session_key("1001"), "dn;1001");
  EXPECT_TRUE(is_dn_session_key(dn_session_key("1001")));
  EXPECT_FALSE(is_dn_session_key("1001@host"));
  // A Call-ID that would name a DN's entry is no session key at all.
  EXPECT_EQ(call_session_key("dn;1001"), "");
  EXPECT_EQ(call_session_key("abc@host"), "abc@host");
  memory_session_table t;
  t.record(call_session_key("dn;1001"), 1);
  EXPECT_EQ(t.size(), 0u);
  t.record(dn_session_key("1001"), 1);
  EXPECT_EQ(t.lookup(call_session_key("dn;1001")), std::nullopt);
  EXPECT_EQ(t.lookup(dn_session_key("1001")), std::optional<std::size_t>(1));
}

}  // namespace
}  // namespace sipproxy::routing
