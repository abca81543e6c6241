#include "cluster/redis_slot_map.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <deque>
#include <string>
#include <vector>

namespace sipproxy::cluster {
namespace {

// redisReply trees built by hand (no hiredis call): what CLUSTER SLOTS answers.
struct replies {
  std::deque<redisReply> nodes;
  std::deque<std::string> texts;
  std::deque<std::vector<redisReply*>> arrays;

  redisReply* integer(long long v) {
    nodes.push_back(redisReply{REDIS_REPLY_INTEGER, v, 0, nullptr, 0, nullptr});
    return &nodes.back();
  }
  redisReply* string(std::string s) {
    texts.push_back(std::move(s));
    nodes.push_back(
        redisReply{REDIS_REPLY_STRING, 0, texts.back().size(), texts.back().data(), 0, nullptr});
    return &nodes.back();
  }
  redisReply* array(std::vector<redisReply*> e) {
    arrays.push_back(std::move(e));
    nodes.push_back(
        redisReply{REDIS_REPLY_ARRAY, 0, 0, nullptr, arrays.back().size(), arrays.back().data()});
    return &nodes.back();
  }
  redisReply* range(long long first, long long last, const std::string& ip, long long port) {
    return array({integer(first), integer(last),
                  array({string(ip), integer(port), string("0123456789abcdef")})});
  }
};

config::redis_address at(std::uint16_t port) {
  return {"127.0.0.1", port};
}

TEST(redis_slot_map, reads_cluster_slots) {
  replies r;
  auto* reply =
      r.array({r.range(0, 5460, "127.0.0.1", 7000), r.range(5461, 10922, "127.0.0.1", 7001),
               r.range(10923, 16383, "127.0.0.1", 7002)});
  auto ranges = parse_cluster_slots(reply);
  ASSERT_TRUE(ranges.has_value());
  ASSERT_EQ(ranges->size(), 3u);
  redis_slot_map m;
  m.assign(*ranges);
  ASSERT_EQ(m.masters().size(), 3u);
  EXPECT_EQ(*m.owner(0), at(7000));
  EXPECT_EQ(*m.owner(5461), at(7001));
  EXPECT_EQ(*m.owner(16383), at(7002));
  EXPECT_EQ(m.slots_of(at(7000)), 5461u);
  EXPECT_EQ(m.ranges_of(at(7001)), "5461-10922");
}

TEST(redis_slot_map, refuses_what_is_not_a_slot_map) {
  replies r;
  EXPECT_FALSE(parse_cluster_slots(nullptr).has_value());
  EXPECT_FALSE(parse_cluster_slots(r.array({})).has_value());
  EXPECT_FALSE(parse_cluster_slots(r.string("ERR")).has_value());
  EXPECT_FALSE(parse_cluster_slots(r.array({r.range(5, 4, "127.0.0.1", 7000)})).has_value());
  EXPECT_FALSE(parse_cluster_slots(r.array({r.range(0, 16384, "127.0.0.1", 7000)})).has_value());
  EXPECT_FALSE(parse_cluster_slots(r.array({r.range(0, 1, "", 7000)})).has_value());
  EXPECT_FALSE(parse_cluster_slots(r.array({r.range(0, 1, "127.0.0.1", 0)})).has_value());
}

TEST(redis_slot_map, moved_reassigns_one_slot_and_forgets_an_empty_master) {
  redis_slot_map m;
  m.assign({{0, 0, at(7000)}, {1, 16383, at(7001)}});
  EXPECT_EQ(m.masters().size(), 2u);
  m.move(1, at(7002));
  EXPECT_EQ(*m.owner(1), at(7002));
  EXPECT_EQ(*m.owner(2), at(7001));
  EXPECT_EQ(m.ranges_of(at(7001)), "2-16383");
  m.move(0, at(7001));  // 7000 serves nothing any more
  EXPECT_EQ(m.masters().size(), 2u);
  EXPECT_EQ(m.slots_of(at(7000)), 0u);
  EXPECT_EQ(m.ranges_of(at(7001)), "0,2-16383");
  EXPECT_EQ(*m.owner(0), at(7001));
}

TEST(redis_slot_map, an_unserved_slot_has_no_owner) {
  redis_slot_map m;
  EXPECT_EQ(m.owner(0), nullptr);
  m.assign({{0, 99, at(7000)}});
  EXPECT_EQ(m.owner(100), nullptr);
  EXPECT_EQ(m.owner(cluster_slots), nullptr);
  m.clear();
  EXPECT_TRUE(m.empty());
}

}  // namespace
}  // namespace sipproxy::cluster
