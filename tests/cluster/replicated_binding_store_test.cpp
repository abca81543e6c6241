#include "cluster/replicated_binding_store.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace sipproxy::cluster {
namespace {

using registrar::wall_clock;
using std::chrono::seconds;

// Two replicas on one test clock, linked by hand: what one writes, the test hands over.
struct replicas : ::testing::Test {
  wall_clock::time_point now = wall_clock::now();
  hybrid_clock clock_a{[this] { return now; }};
  hybrid_clock clock_b{[this] { return now; }};
  replicated_binding_store a{"SIPProxy_1", clock_a};
  replicated_binding_store b{"SIPProxy_2", clock_b};
  std::vector<replica_record> from_a, from_b;

  void SetUp() override {
    a.set_sink([this](const replica_record& r) { from_a.push_back(r); });
    b.set_sink([this](const replica_record& r) { from_b.push_back(r); });
  }
  registrar::binding make(const std::string& contact, int expires_s = 600) {
    registrar::binding x;
    x.aor = "sip:1000@pool.test";
    x.contact = contact;
    x.expires = now + seconds(expires_s);
    transport::parse_ip("192.0.2.7", x.flow.address);
    x.flow.port = 5062;
    x.flow.proto = transport::protocol::tcp;
    x.flow.connection = 42;
    x.instance = "SIPProxy_1";
    x.call_id = "reg-1";
    x.cseq = 3;
    return x;
  }
  // Every record through JSON, as the wire carries it.
  static void deliver(std::vector<replica_record>& recs, replicated_binding_store& to) {
    for (const auto& r : recs) {
      auto back = record_from_json(to_json(r));
      ASSERT_TRUE(back);
      to.apply(*back);
    }
    recs.clear();
  }
};

TEST_F(replicas, put_reaches_the_other_replica_with_its_flow_and_owner) {
  a.put(make("sip:1000@192.0.2.7:5062;transport=tcp"));
  ASSERT_EQ(from_a.size(), 1u);
  deliver(from_a, b);
  auto got = b.lookup("sip:1000@pool.test");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].contact, "sip:1000@192.0.2.7:5062;transport=tcp");
  EXPECT_EQ(got[0].flow.proto, transport::protocol::tcp);
  EXPECT_EQ(got[0].flow.address.to_string(), "192.0.2.7");
  EXPECT_EQ(got[0].flow.port, 5062);
  EXPECT_EQ(got[0].flow.connection, 0u);  // the owner's connection, reached through it
  EXPECT_EQ(got[0].instance, "SIPProxy_1");
  EXPECT_EQ(got[0].cseq, 3u);
  EXPECT_EQ(std::chrono::round<seconds>(got[0].expires - now).count(), 600);
  EXPECT_EQ(a.digest(), b.digest());
  EXPECT_TRUE(from_b.empty()) << "applying a peer's record is not a local change";
}

TEST_F(replicas, a_delete_wins_over_a_late_copy_of_what_it_deleted) {
  a.put(make("sip:1000@192.0.2.7:5062"));
  auto put = from_a;
  deliver(from_a, b);
  b.remove("sip:1000@pool.test", "sip:1000@192.0.2.7:5062");
  deliver(from_b, a);
  EXPECT_TRUE(a.lookup("sip:1000@pool.test").empty());
  // The original put arrives again (a retry, a resync): the tombstone keeps it out.
  deliver(put, a);
  EXPECT_TRUE(a.lookup("sip:1000@pool.test").empty());
  EXPECT_EQ(a.tombstones(), 1u);
  EXPECT_EQ(a.digest(), b.digest());
}

TEST_F(replicas, a_delete_made_on_a_clock_behind_still_wins) {
  // b's wall clock is an hour behind a's: b saw a's put, so its delete must be newer.
  clock_b = hybrid_clock([this] { return now - std::chrono::hours(1); });
  a.put(make("sip:1000@192.0.2.7:5062"));
  deliver(from_a, b);
  b.remove("sip:1000@pool.test", "sip:1000@192.0.2.7:5062");
  deliver(from_b, a);
  EXPECT_TRUE(a.lookup("sip:1000@pool.test").empty());
  EXPECT_TRUE(b.lookup("sip:1000@pool.test").empty());
}

TEST_F(replicas, a_delete_of_a_binding_still_on_its_way_is_kept) {
  a.put(make("sip:1000@192.0.2.7:5062"));
  b.remove("sip:1000@pool.test", "sip:1000@192.0.2.7:5062");  // b never saw it
  deliver(from_b, a);
  deliver(from_a, b);
  // Concurrent: the later stamp wins, and both agree on which.
  EXPECT_EQ(a.lookup("sip:1000@pool.test").size(), b.lookup("sip:1000@pool.test").size());
  EXPECT_EQ(a.digest(), b.digest());
}

TEST_F(replicas, same_records_in_any_order_give_the_same_state) {
  a.put(make("sip:1000@192.0.2.7:1"));
  now += seconds(1);
  a.put(make("sip:1000@192.0.2.7:1", 900));  // refresh
  a.put(make("sip:1000@192.0.2.7:2"));
  a.remove("sip:1000@pool.test", "sip:1000@192.0.2.7:2");
  std::vector<replica_record> reversed(from_a.rbegin(), from_a.rend());
  from_a.clear();
  deliver(reversed, b);
  auto got = b.lookup("sip:1000@pool.test");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(std::chrono::round<seconds>(got[0].expires - now).count(), 900);
  EXPECT_EQ(a.digest(), b.digest());
}

TEST_F(replicas, expiry_is_by_absolute_time_on_every_replica) {
  a.put(make("sip:1000@192.0.2.7:5062", 30));
  deliver(from_a, b);
  now += seconds(31);
  EXPECT_EQ(a.expire(now), 1u);
  EXPECT_EQ(b.expire(now), 1u);
  EXPECT_EQ(a.digest(), 0u);
  EXPECT_EQ(b.digest(), 0u);
  EXPECT_TRUE(from_a.empty() && from_b.empty()) << "expiry needs no message";
}

TEST_F(replicas, an_expired_record_is_not_applied) {
  a.put(make("sip:1000@192.0.2.7:5062", 30));
  now += seconds(40);
  deliver(from_a, b);
  EXPECT_TRUE(b.lookup("sip:1000@pool.test").empty());
}

TEST_F(replicas, tombstones_expire_after_the_grace) {
  a.put(make("sip:1000@192.0.2.7:5062", 30));
  a.remove("sip:1000@pool.test", "sip:1000@192.0.2.7:5062");
  EXPECT_EQ(a.tombstones(), 1u);
  now += seconds(30) + tombstone_grace - seconds(1);
  a.expire(now);
  EXPECT_EQ(a.tombstones(), 1u);
  now += seconds(2);
  a.expire(now);
  EXPECT_EQ(a.tombstones(), 0u);
  EXPECT_EQ(a.digest(), 0u);
}

TEST_F(replicas, collect_pages_through_everything_in_key_order) {
  for (int i = 0; i < 25; ++i) a.put(make("sip:1000@192.0.2.7:" + std::to_string(1000 + i)));
  a.remove("sip:1000@pool.test", "sip:1000@192.0.2.7:1003");
  std::vector<std::pair<std::uint64_t, replica_record>> all;
  std::uint64_t after = 0;
  for (int pages = 0; pages < 10; ++pages) {
    std::vector<std::pair<std::uint64_t, replica_record>> page;
    a.collect(after, 7, page);
    if (page.empty()) break;
    EXPECT_LE(page.size(), 7u);
    for (std::size_t i = 1; i < page.size(); ++i) EXPECT_LT(page[i - 1].first, page[i].first);
    EXPECT_GT(page.front().first, after);
    after = page.back().first;
    all.insert(all.end(), page.begin(), page.end());
  }
  EXPECT_EQ(all.size(), 25u);  // 24 bindings and 1 tombstone
  std::vector<replica_record> recs;
  for (auto& [k, r] : all) recs.push_back(r);
  deliver(recs, b);
  EXPECT_EQ(b.size(), 24u);
  EXPECT_EQ(b.tombstones(), 1u);
  EXPECT_EQ(a.digest(), b.digest());
}

TEST(replica_record, malformed_records_are_refused) {
  EXPECT_FALSE(record_from_json(json::parse(R"({"k":"x","t":1,"o":"A","a":"x"})")));
  EXPECT_FALSE(record_from_json(json::parse(R"({"k":"b","t":"one","o":"A","a":"x","c":"y"})")));
  EXPECT_FALSE(record_from_json(json::parse(R"({"k":"b","t":1,"o":"A","a":"x"})")));
  EXPECT_FALSE(
      record_from_json(json::parse(R"({"k":"b","t":1,"o":"A","a":"x","c":"y","p":"sctp"})")));
  EXPECT_FALSE(record_from_json(json::parse(R"([1,2])")));
  EXPECT_TRUE(record_from_json(json::parse(R"({"k":"b","t":1,"o":"A","a":"x","c":"y","d":true})")));
}

TEST(hybrid_clock, never_goes_back_and_follows_what_it_saw) {
  auto t = wall_clock::now();
  hybrid_clock c([&] { return t; });
  auto s1 = c.next();
  auto s2 = c.next();
  EXPECT_GT(s2, s1);
  c.observe(s2 + 100000);
  EXPECT_GT(c.next(), s2 + 100000);
  t -= std::chrono::hours(1);
  EXPECT_GT(c.next(), s2 + 100000);
}

}  // namespace
}  // namespace sipproxy::cluster
