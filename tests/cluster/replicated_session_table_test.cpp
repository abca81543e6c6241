#include "cluster/replicated_session_table.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sipproxy::cluster {
namespace {

using std::chrono::minutes;

struct sessions : ::testing::Test {
  hybrid_clock::wall::time_point now = hybrid_clock::wall::now();
  hybrid_clock clock{[this] { return now; }};
  replicated_session_table a{
      "SIPProxy_1", clock, {"SIPServer_A", "SIPServer_B"}, std::chrono::hours(1), 3};
  replicated_session_table b{
      "SIPProxy_2", clock, {"SIPServer_A", "SIPServer_B"}, std::chrono::hours(1), 3};
  std::vector<replica_record> out;
  void SetUp() override {
    a.set_sink([this](const replica_record& r) { out.push_back(r); });
  }
  void deliver() {
    for (const auto& r : out) b.apply(*record_from_json(to_json(r)));
    out.clear();
  }
};

TEST_F(sessions, affinity_reaches_the_other_instance_by_pair_name) {
  a.record("call-1", 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].pair, "SIPServer_B");
  deliver();
  EXPECT_EQ(b.lookup("call-1"), 1u);
  EXPECT_EQ(a.digest(), b.digest());
}

TEST_F(sessions, the_same_answer_is_not_sent_twice_while_young) {
  a.record("call-1", 0);
  a.record("call-1", 0);
  EXPECT_EQ(out.size(), 1u);
  a.record("call-1", 1);  // a new answer is
  EXPECT_EQ(out.size(), 2u);
}

TEST_F(sessions, a_lookup_late_in_life_renews_it_everywhere) {
  a.record("call-1", 0);
  deliver();
  now += minutes(40);
  EXPECT_EQ(a.lookup("call-1"), 0u);
  ASSERT_EQ(out.size(), 1u);
  deliver();
  now += minutes(40);  // 80 min after the first write: alive through the renewal
  EXPECT_EQ(b.expire(), 0u);
  EXPECT_EQ(b.size(), 1u);
  now += minutes(30);
  EXPECT_EQ(a.expire(), 1u);
  EXPECT_EQ(b.expire(), 1u);
  EXPECT_FALSE(b.lookup("call-1"));
}

TEST_F(sessions, unknown_pairs_and_capacity_are_refused) {
  replica_record r;
  r.kind = record_kind::session;
  r.v = {clock.next(), "SIPProxy_9"};
  r.expires_ms = clock.now_ms() + 60000;
  r.a = "call-x";
  r.pair = "SIPServer_Z";
  EXPECT_FALSE(b.apply(r));
  for (int i = 0; i < 5; ++i) a.record("call-" + std::to_string(i), 0);
  EXPECT_EQ(a.size(), 3u);
}

}  // namespace
}  // namespace sipproxy::cluster
