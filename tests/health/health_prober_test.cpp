#include "health/health_prober.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "../txn/layer_fixture.hpp"
#include "config/settings.hpp"
#include "sip/cseq.hpp"
#include "sip/via.hpp"

namespace sipproxy::health {
namespace {

using namespace std::chrono_literals;
using routing::member_state;
using txn::test::make_peer;
using txn::test::must_parse;

constexpr std::uint16_t primary_port = 5070;
constexpr std::uint16_t backup_port = 5071;

routing::member member_at(std::uint16_t port) {
  routing::member m;
  m.configured = "127.0.0.1:" + std::to_string(port);
  m.address = make_peer(transport::protocol::udp, "127.0.0.1", port);
  return m;
}

std::vector<routing::server_pair> one_pair() {
  routing::server_pair p;
  p.name = "ss1";
  p.primary = member_at(primary_port);
  p.backup = member_at(backup_port);
  return {p};
}

config::settings probing(int oos_check) {
  config::settings s;
  s.oos_check = oos_check;
  s.oos_force = 5;
  return s;
}

class health_prober_test : public txn::test::layer_test {
 protected:
  struct probe {
    sip::message_ptr msg;
    transport::peer to;
  };

  void make(int oos_check = 5) {
    settings = probing(oos_check);
    prober = std::make_unique<health_prober>(layer, timers, servers, settings,
                                             prober_identity{"192.0.2.10", 5060});
  }
  void start(int oos_check = 5) {
    make(oos_check);
    prober->start();
    advance(0ms);
  }

  // The distinct probes (by branch, retransmissions left out) sent to `port`, in order.
  std::vector<probe> probes_to(std::uint16_t port) const {
    std::vector<probe> out;
    std::set<std::string> branches;
    for (const auto& r : sender.sent) {
      if (r.to.port != port) continue;
      auto msg = must_parse(r.bytes);
      if (!msg || !msg->is_request()) continue;
      auto v = sip::parse_via(msg->value(sip::header_id::via));
      if (!v) continue;
      if (branches.insert(std::string(v->branch())).second) out.push_back(probe{msg, r.to});
    }
    return out;
  }
  std::size_t sends_to(std::uint16_t port) const {
    std::size_t n = 0;
    for (const auto& r : sender.sent) n += r.to.port == port;
    return n;
  }

  // Feeds the layer a response to `p` from the member it went to.
  void answer(const probe& p, int status, std::string_view extra_headers = {}) {
    const sip::message& req = *p.msg;
    std::string m = "SIP/2.0 " + std::to_string(status) + (status == 503 ? " Busy" : " OK");
    m.append("\r\nVia: ").append(req.value(sip::header_id::via));
    m.append("\r\nFrom: ").append(req.value(sip::header_id::from));
    m.append("\r\nTo: ").append(req.value(sip::header_id::to)).append(";tag=srv1");
    m.append("\r\nCall-ID: ").append(req.value(sip::header_id::call_id));
    m.append("\r\nCSeq: ").append(req.value(sip::header_id::cseq)).append("\r\n");
    m.append(extra_headers);
    m.append("Content-Length: 0\r\n\r\n");
    layer.on_message(std::move(m), p.to);
  }
  void answer_last(std::uint16_t port, int status, std::string_view extra = {}) {
    auto ps = probes_to(port);
    ASSERT_FALSE(ps.empty());
    answer(ps.back(), status, extra);
  }

  routing::server_pair& pair() { return servers.pairs()[0]; }
  member_state primary_state() { return pair().primary.state; }
  member_state backup_state() { return pair().backup->state; }

  config::settings settings;
  routing::server_table servers{one_pair()};
  std::unique_ptr<health_prober> prober;  // destroyed before the layer
};

TEST_F(health_prober_test, start_sends_options_to_both_members) {
  start();
  ASSERT_EQ(sent_count(), 2u);
  auto p = probes_to(primary_port);
  auto b = probes_to(backup_port);
  ASSERT_EQ(p.size(), 1u);
  ASSERT_EQ(b.size(), 1u);

  const sip::message& req = *p[0].msg;
  EXPECT_EQ(req.method(), "OPTIONS");
  EXPECT_EQ(req.request_uri(), "sip:127.0.0.1:5070");
  EXPECT_EQ(p[0].to.proto, transport::protocol::udp);
  EXPECT_EQ(p[0].to.address.to_string(), "127.0.0.1");
  auto via = sip::parse_via(req.value(sip::header_id::via));
  ASSERT_TRUE(via);
  EXPECT_EQ(via->transport, "UDP");
  EXPECT_EQ(via->host, "192.0.2.10");
  EXPECT_EQ(via->port, 5060);
  EXPECT_TRUE(via->rfc3261_branch());
  EXPECT_EQ(via->branch().substr(0, 7), "z9hG4bK");
  auto cseq = sip::parse_cseq(req.value(sip::header_id::cseq));
  ASSERT_TRUE(cseq);
  EXPECT_EQ(cseq->method, "OPTIONS");
  EXPECT_EQ(req.value(sip::header_id::max_forwards), "70");

  EXPECT_EQ(b[0].msg->request_uri(), "sip:127.0.0.1:5071");
  EXPECT_EQ(b[0].to.port, backup_port);
  auto bvia = sip::parse_via(b[0].msg->value(sip::header_id::via));
  ASSERT_TRUE(bvia);
  EXPECT_NE(bvia->branch(), via->branch());
  EXPECT_NE(b[0].msg->value(sip::header_id::call_id), req.value(sip::header_id::call_id));

  auto st = prober->status();
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0].pair, "ss1");
  EXPECT_EQ(st[0].role, "primary");
  EXPECT_EQ(st[0].address, "127.0.0.1:5070");
  EXPECT_EQ(st[0].probes_sent, 1u);
  EXPECT_EQ(st[0].probes_answered, 0u);
  EXPECT_EQ(st[0].last_rtt_ms, -1);
  EXPECT_EQ(st[1].role, "backup");
  EXPECT_EQ(st[1].address, "127.0.0.1:5071");
}

TEST_F(health_prober_test, answered_probe_keeps_active_and_next_goes_after_oos_check) {
  start();
  advance(20ms);
  answer_last(primary_port, 200);
  answer_last(backup_port, 200);
  EXPECT_EQ(primary_state(), member_state::active);
  EXPECT_EQ(backup_state(), member_state::active);
  auto st = prober->status();
  EXPECT_EQ(st[0].probes_answered, 1u);
  EXPECT_DOUBLE_EQ(st[0].last_rtt_ms, 20.0);

  advance(4999ms);
  EXPECT_EQ(probes_to(primary_port).size(), 1u);
  EXPECT_EQ(sends_to(primary_port), 1u);  // answered: no retransmission either
  EXPECT_EQ(probes_to(backup_port).size(), 1u);
  advance(1ms);
  auto p = probes_to(primary_port);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(probes_to(backup_port).size(), 2u);
  EXPECT_NE(p[1].msg->value(sip::header_id::call_id), p[0].msg->value(sip::header_id::call_id));
  EXPECT_EQ(prober->status()[0].probes_sent, 2u);
}

TEST_F(health_prober_test, one_missed_probe_is_retried_at_once_and_two_make_out_of_service) {
  start();
  answer_last(backup_port, 200);

  advance(999ms);
  EXPECT_EQ(probes_to(primary_port).size(), 1u);
  EXPECT_EQ(sends_to(primary_port), 2u);  // the UDP retransmission at 500 ms
  advance(1ms);                           // deadline: the 2nd probe goes at once
  EXPECT_EQ(probes_to(primary_port).size(), 2u);
  EXPECT_EQ(primary_state(), member_state::active);
  EXPECT_EQ(servers.active_member(pair()), &pair().primary);

  advance(1s);  // the 2nd deadline
  EXPECT_EQ(primary_state(), member_state::out_of_service);
  EXPECT_EQ(backup_state(), member_state::active);
  const routing::member* m = servers.active_member(pair());
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m, &*pair().backup);
  EXPECT_EQ(m->configured, "127.0.0.1:5071");
  EXPECT_EQ(prober->status()[0].state, member_state::out_of_service);
  EXPECT_EQ(prober->status()[0].probes_sent, 2u);
  EXPECT_EQ(prober->status()[0].probes_answered, 0u);
}

TEST_F(health_prober_test, both_silent_leaves_no_member_then_oos_force_and_two_answers_restore) {
  start();
  advance(2s);
  EXPECT_EQ(primary_state(), member_state::out_of_service);
  EXPECT_EQ(backup_state(), member_state::out_of_service);
  EXPECT_EQ(servers.active_member(pair()), nullptr);
  EXPECT_EQ(servers.dialog_member(pair()), nullptr);

  // Out of service: the next probe goes oos-force (5 s) later.
  advance(4999ms);
  EXPECT_EQ(probes_to(primary_port).size(), 2u);
  EXPECT_EQ(probes_to(backup_port).size(), 2u);
  advance(1ms);
  EXPECT_EQ(probes_to(primary_port).size(), 3u);
  EXPECT_EQ(probes_to(backup_port).size(), 3u);

  // One answer does not restore; the confirming probe goes 1 s later.
  answer_last(primary_port, 200);
  EXPECT_EQ(primary_state(), member_state::out_of_service);
  EXPECT_EQ(servers.active_member(pair()), nullptr);
  advance(999ms);
  EXPECT_EQ(probes_to(primary_port).size(), 3u);
  advance(1ms);
  EXPECT_EQ(probes_to(primary_port).size(), 4u);
  answer_last(primary_port, 200);
  EXPECT_EQ(primary_state(), member_state::active);
  EXPECT_EQ(servers.active_member(pair()), &pair().primary);
  EXPECT_EQ(backup_state(), member_state::out_of_service);
}

TEST_F(health_prober_test, a_503_with_retry_after_makes_inactive_until_it) {
  start();
  answer_last(primary_port, 503, "Retry-After: 20\r\n");
  answer_last(backup_port, 200);
  EXPECT_EQ(primary_state(), member_state::inactive);
  EXPECT_EQ(servers.active_member(pair()), &*pair().backup);
  EXPECT_EQ(prober->status()[0].probes_answered, 1u);

  advance(19999ms);
  EXPECT_EQ(probes_to(primary_port).size(), 1u);
  EXPECT_EQ(primary_state(), member_state::inactive);
  advance(1ms);
  ASSERT_EQ(probes_to(primary_port).size(), 2u);

  // Then two answers in a row, 1 s apart: active again.
  answer_last(primary_port, 200);
  EXPECT_EQ(primary_state(), member_state::inactive);
  advance(1s);
  ASSERT_EQ(probes_to(primary_port).size(), 3u);
  answer_last(primary_port, 200);
  EXPECT_EQ(primary_state(), member_state::active);
  EXPECT_EQ(servers.active_member(pair()), &pair().primary);
}

TEST_F(health_prober_test, an_inactive_primary_still_takes_dialogs_when_backup_is_gone) {
  start();
  answer_last(primary_port, 503);
  advance(2s);  // backup silent twice
  EXPECT_EQ(primary_state(), member_state::inactive);
  EXPECT_EQ(backup_state(), member_state::out_of_service);
  EXPECT_EQ(servers.active_member(pair()), nullptr);
  EXPECT_EQ(servers.dialog_member(pair()), &pair().primary);
}

TEST_F(health_prober_test, report_unavailable_marks_inactive) {
  start();
  prober->report(pair().primary.address, verdict::unavailable, 0s);
  EXPECT_EQ(primary_state(), member_state::inactive);
  EXPECT_EQ(prober->status()[0].state, member_state::inactive);
  EXPECT_EQ(servers.active_member(pair()), &*pair().backup);
}

TEST_F(health_prober_test, report_of_an_unknown_address_changes_nothing) {
  start();
  prober->report(make_peer(transport::protocol::udp, "127.0.0.1", 5072), verdict::unavailable, 0s);
  prober->report(make_peer(transport::protocol::udp, "127.0.0.2", 5070), verdict::unavailable, 0s);
  EXPECT_EQ(primary_state(), member_state::active);
  EXPECT_EQ(backup_state(), member_state::active);
}

TEST_F(health_prober_test, two_reported_failures_make_out_of_service) {
  start();
  prober->report(pair().backup->address, verdict::silent, 0s);
  EXPECT_EQ(backup_state(), member_state::active);
  prober->report(pair().backup->address, verdict::silent, 0s);
  EXPECT_EQ(backup_state(), member_state::out_of_service);
}

TEST_F(health_prober_test, oos_check_zero_sends_nothing) {
  start(0);
  advance(60s);
  EXPECT_EQ(sent_count(), 0u);
  EXPECT_EQ(prober->status()[0].probes_sent, 0u);
}

TEST_F(health_prober_test, oos_check_zero_retries_a_reported_member_after_30s) {
  start(0);
  prober->report(pair().primary.address, verdict::unavailable, 0s);
  EXPECT_EQ(primary_state(), member_state::inactive);
  advance(29999ms);
  EXPECT_EQ(primary_state(), member_state::inactive);
  advance(1ms);
  EXPECT_EQ(primary_state(), member_state::active);
  EXPECT_EQ(sent_count(), 0u);
}

TEST_F(health_prober_test, oos_check_zero_retries_after_retry_after) {
  start(0);
  prober->report(pair().primary.address, verdict::unavailable, 10s);
  advance(9999ms);
  EXPECT_EQ(primary_state(), member_state::inactive);
  advance(1ms);
  EXPECT_EQ(primary_state(), member_state::active);
}

TEST_F(health_prober_test, stop_ends_probing) {
  start();
  prober->stop();
  advance(30s);
  EXPECT_EQ(sent_count(), 2u);  // only the first probes; their retransmissions stopped
  EXPECT_EQ(primary_state(), member_state::active);
}

TEST_F(health_prober_test,
       feature_servers_are_probed_and_two_missed_probes_make_one_out_of_service) {
  routing::feature_servers fs;
  fs.assign({member_at(5080), member_at(5081)});
  make();
  prober->watch_feature_servers(fs);
  prober->start();
  advance(0ms);
  ASSERT_EQ(probes_to(5080).size(), 1u);
  ASSERT_EQ(probes_to(5081).size(), 1u);
  answer_last(primary_port, 200);
  answer_last(backup_port, 200);
  answer_last(5081, 200);
  advance(2s);  // two deadlines of the unanswered probes to 5080
  EXPECT_EQ(fs.all()[0].state, member_state::out_of_service);
  EXPECT_EQ(fs.all()[1].state, member_state::active);
  EXPECT_EQ(primary_state(), member_state::active);
  // A Feature Server is not a SIP Server member in the status, nor the other way round.
  ASSERT_EQ(prober->status().size(), 2u);
  auto st = prober->feature_server_status();
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0].address, "127.0.0.1:5080");
  EXPECT_EQ(st[0].role, "feature-server");
  EXPECT_EQ(st[0].state, member_state::out_of_service);
  EXPECT_EQ(st[1].probes_answered, 1u);
  EXPECT_EQ(fs.pick(routing::balance_method::round_robin), &fs.all()[1]);
}

TEST_F(health_prober_test, a_new_feature_server_list_replaces_the_probed_one) {
  routing::feature_servers fs;
  fs.assign({member_at(5080)});
  start();
  prober->watch_feature_servers(fs);
  advance(0ms);
  ASSERT_EQ(probes_to(5080).size(), 1u);
  fs.assign({member_at(5090)});
  prober->watch_feature_servers(fs);
  advance(0ms);
  ASSERT_EQ(probes_to(5090).size(), 1u);
  advance(30s);
  EXPECT_EQ(probes_to(5080).size(), 1u);  // the old one's probes stopped
  EXPECT_GT(probes_to(5090).size(), 1u);
  ASSERT_EQ(prober->feature_server_status().size(), 1u);
  EXPECT_EQ(prober->feature_server_status()[0].address, "127.0.0.1:5090");
}

TEST(parse_retry_after, reads_the_leading_seconds) {
  EXPECT_EQ(parse_retry_after("120 (x);duration=5"), std::chrono::seconds(120));
  EXPECT_EQ(parse_retry_after("20"), std::chrono::seconds(20));
  EXPECT_EQ(parse_retry_after("0"), std::chrono::seconds(0));
  EXPECT_EQ(parse_retry_after(""), std::chrono::seconds(0));
  EXPECT_EQ(parse_retry_after("soon"), std::chrono::seconds(0));
}

}  // namespace
}  // namespace sipproxy::health
