// The management commands of an in-process proxy (pipeline_fixture.hpp) over the shared
// state's local implementation: what sipproxyctl and GET /status read of the shared state
// comes from the interface, with no branch on which implementation it is.
#include "proxy/management.hpp"

#include <gtest/gtest.h>

#include "cluster/local_state.hpp"
#include "step_fixture.hpp"

namespace sipproxy::proxy::test {
namespace {

class management_test : public ::testing::Test {
 protected:
  management_test() { log::set_level(log::level::none); }

  mgmt::json run(std::string cmd, std::vector<std::string> args = {}) {
    mgmt::request r;
    r.cmd = std::move(cmd);
    r.args = std::move(args);
    return m.handle(r);
  }

  recording_sender wire;
  pipeline p{standalone_deployment(), wire};
  health::health_prober prober{p.layer, p.timers, p.servers, p.settings,
                               health::prober_identity{"127.0.0.1", 5060}};
  cluster::hybrid_clock clock;
  cluster::replicated_binding_store bindings{"SIPProxy_1", clock};
  cluster::replicated_session_table sessions{"SIPProxy_1", clock, {"SIPServer_A", "SIPServer_B"}};
  cluster::local_state shared{bindings, sessions};
  bool draining = false;
  management m{management_view{p.settings, p.self, p.servers, prober, bindings, sessions, p.core,
                               p.layer, p.overload, [] {}, [this](bool on) { draining = on; },
                               shared}};
};

TEST_F(management_test, peers_reply_comes_from_the_shared_state) {
  sessions.record("call-1", 0);
  mgmt::json reply = run("peers");
  ASSERT_TRUE(reply.value("ok", false)) << reply.dump();
  EXPECT_EQ(reply["peers"], mgmt::json::array());
  EXPECT_EQ(reply["records"], 1u);
  EXPECT_EQ(reply["digest"], shared.digest_text());
}

TEST_F(management_test, peer_commands_are_unknown_without_peer_links) {
  mgmt::json reply = run("peer-hello", {"SIPProxy_2"});
  EXPECT_FALSE(reply.value("ok", true));
  EXPECT_NE(reply.value("error", std::string()).find("unknown command 'peer-hello'"),
            std::string::npos)
      << reply.dump();
}

TEST_F(management_test, status_document_reads_the_shared_state_and_the_table) {
  p.deliver(request_text("OPTIONS", "sip:127.0.0.1:5060"), endpoint);
  mgmt::json doc = m.status_document();
  EXPECT_EQ(doc["shared_storage"], (mgmt::json{{"backend", "peers"}}));
  EXPECT_EQ(doc["peers"], mgmt::json::array());
  EXPECT_EQ(doc["alarms"], mgmt::json::array());
  EXPECT_EQ(doc["counters"]["requests"], 1u);
  EXPECT_EQ(doc["counters"]["messages_received"], 1u);
  std::string metrics = m.metrics_text();
  EXPECT_NE(metrics.find("\nsipproxy_requests_total 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nsipproxy_messages_received_total 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("\nsipproxy_pool_records 0\n"), std::string::npos);
  EXPECT_EQ(metrics.find("sipproxy_shared_storage_up"), std::string::npos);
}

TEST_F(management_test, drain_is_passed_on) {
  EXPECT_TRUE(run("drain").value("ok", false));
  EXPECT_TRUE(draining);
  EXPECT_TRUE(run("undrain").value("ok", false));
  EXPECT_FALSE(draining);
}

}  // namespace
}  // namespace sipproxy::proxy::test
