#include "cluster/pool.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <set>
#include <string>

#include "cluster/two_instance_settings.hpp"

namespace sipproxy::cluster {
namespace {

registrar::binding make(int i) {
  registrar::binding b;
  b.aor = "sip:" + std::to_string(1000 + i) + "@pool.test";
  b.contact = "sip:" + std::to_string(1000 + i) + "@192.0.2.1:5060";
  b.expires = registrar::wall_clock::now() + std::chrono::seconds(600);
  transport::parse_ip("192.0.2.1", b.flow.address);
  b.flow.port = 5060;
  b.instance = "SIPProxy_1";
  return b;
}

struct pools : ::testing::Test {
  boost::asio::io_context io;
  hybrid_clock clock;
  config::settings s1 = test_support::two_instance_settings("SIPProxy_1");
  config::settings s2 = test_support::two_instance_settings("SIPProxy_2");
  replicated_binding_store b1{"SIPProxy_1", clock}, b2{"SIPProxy_2", clock};
  replicated_session_table t1{"SIPProxy_1", clock, {"SIPServer_A"}};
  replicated_session_table t2{"SIPProxy_2", clock, {"SIPServer_A"}};
  pool p1{io, s1, b1, t1};
  pool p2{io, s2, b2, t2};

  mgmt::request req(std::string cmd, std::vector<std::string> args, mgmt::json data = {}) {
    mgmt::request r;
    r.cmd = std::move(cmd);
    r.args = std::move(args);
    r.data = std::move(data);
    return r;
  }
};

TEST_F(pools, snapshot_pages_carry_the_whole_state_to_the_other_instance) {
  for (int i = 0; i < 25; ++i) b1.put(make(i));
  b1.remove("sip:1003@pool.test", "sip:1003@192.0.2.1:5060");
  t1.record("call-1", 0);
  std::set<std::string> seen;
  std::vector<std::string> args{"SIPProxy_2"};
  for (int pages = 0; pages < 100; ++pages) {
    auto reply = p1.handle(req("peer-snapshot", args));
    ASSERT_TRUE(reply && (*reply)["ok"] == true) << reply->dump();
    for (const auto& r : (*reply)["records"]) seen.insert(r.dump());
    mgmt::json update{{"records", (*reply)["records"]}};
    auto applied = p2.handle(req("peer-update", {"SIPProxy_1"}, update));
    ASSERT_TRUE(applied && (*applied)["ok"] == true);
    if (!(*reply)["next"].is_string()) break;
    args = {"SIPProxy_2", (*reply)["next"].get<std::string>()};
  }
  EXPECT_EQ(seen.size(), 26u);  // 24 bindings, 1 tombstone, 1 session
  EXPECT_EQ(b2.size(), 24u);
  EXPECT_EQ(b2.tombstones(), 1u);
  EXPECT_EQ(t2.lookup("call-1"), 0u);
  EXPECT_EQ(p1.digest(), p2.digest());
  auto digest = p2.handle(req("peer-digest", {"SIPProxy_1"}));
  EXPECT_EQ((*digest)["digest"], p1.digest_text());
}

TEST_F(pools, hostile_peer_commands_are_refused_not_fatal) {
  EXPECT_FALSE(p1.handle(req("status", {})));  // not a peer command: not ours
  for (auto r : {req("peer-hello", {}), req("peer-hello", {"SIPProxy_9"}),
                 req("peer-hello", {"SIPProxy_1"}),  // itself
                 req("peer-update", {"SIPProxy_2"}),
                 req("peer-update", {"SIPProxy_2"}, mgmt::json{{"records", 7}}),
                 req("peer-snapshot", {"SIPProxy_2", "not-a-number"}),
                 req("peer-frobnicate", {"SIPProxy_2"})}) {
    auto reply = p1.handle(r);
    ASSERT_TRUE(reply) << r.cmd;
    if (r.cmd == "peer-update" && r.data.is_object() && r.data.contains("records")) {
      // A records value that is not an array applies nothing.
      EXPECT_EQ((*reply)["applied"], 0) << reply->dump();
    } else {
      EXPECT_EQ((*reply)["ok"], false) << r.cmd << " " << reply->dump();
    }
  }
  // Malformed records inside a well-formed update are skipped one by one.
  mgmt::json data{{"records", mgmt::json::array({mgmt::json{{"k", "b"}}, 42, "x",
                                                 mgmt::json{{"k", "s"}, {"t", 1}}})}};
  auto reply = p1.handle(req("peer-update", {"SIPProxy_2"}, data));
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)["applied"], 0);
  EXPECT_EQ(b1.size(), 0u);
}

TEST_F(pools, local_changes_are_queued_while_no_link_is_up) {
  // No link is up in this test (nothing runs the io_context): the change stays queued for
  // the peer, to be sent first when the link comes up.
  b1.put(make(1));
  auto peers = p1.peers();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0]["queued"], 1);
  EXPECT_EQ(peers[0]["queued_while_down"], 1);
  EXPECT_EQ(peers[0]["link"], "connecting");
}

TEST_F(pools, the_queue_for_a_peer_that_is_away_is_bounded) {
  for (std::size_t i = 0; i <= down_queue_cap; ++i) b1.put(make(static_cast<int>(i)));
  auto peers = p1.peers();
  EXPECT_EQ(peers[0]["queued"], 0);  // dropped: the next connection exchanges everything
  EXPECT_EQ(peers[0]["queue_overflows"], 1);
  b1.put(make(-1));
  EXPECT_EQ(p1.peers()[0]["queued"], 0);  // nothing queued until that exchange
}

TEST_F(pools, a_registration_is_not_waited_for_while_no_peer_is_connected) {
  b1.put(make(1));
  std::optional<registrar::confirmation> got;
  b1.confirm_changes([&got](registrar::confirmation c) { got = c; });
  EXPECT_EQ(got, registrar::confirmation::unavailable);  // at once, nothing to wait for
  EXPECT_EQ(p1.confirmations()["registrations_unconfirmed_unavailable"], 1);
}

TEST_F(pools, a_lone_instance_confirms_nothing_and_does_not_wait) {
  config::settings alone = test_support::two_instance_settings("SIPProxy_1");
  alone.sipproxy_applications = {"SIPProxy_1"};
  replicated_binding_store b{"SIPProxy_1", clock};
  replicated_session_table t{"SIPProxy_1", clock, {"SIPServer_A"}};
  pool p{io, alone, b, t};
  b.put(make(1));
  std::optional<registrar::confirmation> got;
  b.confirm_changes([&got](registrar::confirmation c) { got = c; });
  EXPECT_EQ(got, registrar::confirmation::not_needed);
}

}  // namespace
}  // namespace sipproxy::cluster
