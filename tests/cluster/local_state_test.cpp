// The shared-state interface through its local implementation: what management and the
// daemon read of an instance that shares nothing (records, digest, links, storage,
// alarms, the peers reply), and that it never makes a REGISTER wait.
#include "cluster/local_state.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace sipproxy::cluster {
namespace {

using registrar::wall_clock;

// One instance's stores, on a test clock.
struct stores {
  explicit stores(std::string self)
      : bindings(self, clock), sessions(self, clock, {"SIPServer_A", "SIPServer_B"}) {}
  wall_clock::time_point now = wall_clock::now();
  hybrid_clock clock{[this] { return now; }};
  replicated_binding_store bindings;
  replicated_session_table sessions;

  registrar::binding make(const std::string& contact) {
    registrar::binding b;
    b.aor = "sip:1000@pool.test";
    b.contact = contact;
    b.expires = now + std::chrono::seconds(600);
    transport::parse_ip("192.0.2.7", b.flow.address);
    b.flow.port = 5062;
    b.instance = "SIPProxy_1";
    return b;
  }
};

TEST(local_state, counts_bindings_tombstones_and_sessions_held) {
  stores s("SIPProxy_1");
  local_state state(s.bindings, s.sessions);
  EXPECT_EQ(state.records(), 0u);
  s.bindings.put(s.make("sip:1000@192.0.2.7:5062"));
  s.bindings.put(s.make("sip:1000@192.0.2.8:5062"));
  s.sessions.record("call-1", 0);
  EXPECT_EQ(state.records(), 3u);
  s.bindings.remove("sip:1000@pool.test", "sip:1000@192.0.2.8:5062");  // leaves a tombstone
  EXPECT_EQ(s.bindings.size(), 1u);
  EXPECT_EQ(state.records(), 3u);
}

TEST(local_state, digest_follows_the_records_held) {
  stores s("SIPProxy_1");
  local_state state(s.bindings, s.sessions);
  std::string empty = state.digest_text();
  EXPECT_EQ(empty.size(), 16u);
  s.bindings.put(s.make("sip:1000@192.0.2.7:5062"));
  std::string one = state.digest_text();
  EXPECT_NE(one, empty);
  s.sessions.record("call-1", 1);
  EXPECT_NE(state.digest_text(), one);
  EXPECT_EQ(state.digest(), s.bindings.digest() + s.sessions.digest());
}

TEST(local_state, reads_as_a_pool_of_one) {
  stores s("SIPProxy_1");
  local_state state(s.bindings, s.sessions);
  s.bindings.put(s.make("sip:1000@192.0.2.7:5062"));
  ASSERT_TRUE(state.peer_links());
  EXPECT_EQ(*state.peer_links(), mgmt::json::array());
  EXPECT_FALSE(state.storage());
  EXPECT_EQ(state.status(), (mgmt::json{{"backend", "peers"}}));
  EXPECT_TRUE(state.alarms().empty());
  mgmt::json reply = state.peers_reply();
  EXPECT_EQ(reply["peers"], mgmt::json::array());
  EXPECT_EQ(reply["records"], 1u);
  EXPECT_EQ(reply["digest"], state.digest_text());
  EXPECT_FALSE(reply.contains("storage"));
}

TEST(local_state, answers_no_command_and_has_nothing_to_sync) {
  stores s("SIPProxy_1");
  local_state state(s.bindings, s.sessions);
  mgmt::request r;
  r.cmd = "peer-hello";
  r.args = {"SIPProxy_2"};
  EXPECT_FALSE(state.handle(r));  // peer commands are refused as unknown by management
  EXPECT_EQ(state.sync_before_serving(std::chrono::seconds(1)), "");
  state.start();
  state.drain();
  state.stop();
  EXPECT_EQ(state.records(), 0u);
}

TEST(local_state, a_register_never_waits_for_it) {
  stores s("SIPProxy_1");
  local_state state(s.bindings, s.sessions);
  s.bindings.put(s.make("sip:1000@192.0.2.7:5062"));
  std::optional<registrar::confirmation> got;
  s.bindings.confirm_changes([&](registrar::confirmation c) { got = c; });
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, registrar::confirmation::not_needed);
}

// Two instances holding the same records agree on the digest, whichever order they
// learnt them in: what the peers compare.
TEST(local_state, same_records_same_digest) {
  stores a("SIPProxy_1"), b("SIPProxy_2");
  local_state sa(a.bindings, a.sessions), sb(b.bindings, b.sessions);
  std::vector<replica_record> from_a;
  a.bindings.set_sink([&](const replica_record& r) { from_a.push_back(r); });
  a.bindings.put(a.make("sip:1000@192.0.2.7:5062"));
  a.bindings.put(a.make("sip:1000@192.0.2.8:5062"));
  EXPECT_NE(sa.digest_text(), sb.digest_text());
  for (auto it = from_a.rbegin(); it != from_a.rend(); ++it) b.bindings.apply(*it);
  EXPECT_EQ(sa.digest_text(), sb.digest_text());
  EXPECT_EQ(sa.records(), sb.records());
}

}  // namespace
}  // namespace sipproxy::cluster
