// The metric table rendered against an in-process proxy (pipeline_fixture.hpp): the
// Prometheus exposition is valid (every family has HELP and TYPE once, before its series;
// names and labels as the format wants; the labels each family declares), the status
// document's counters and /metrics carry the same set with the same values, and a
// family that does not apply (Redis's with peer links, the peers' with Redis) is absent.
#include "proxy/metric_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cluster/local_state.hpp"
#include "step_fixture.hpp"

namespace sipproxy::proxy::test {
namespace {

// A shared state kept in Redis, as the table sees it: storage health, no peer links.
class fake_redis final : public cluster::shared_state {
 public:
  using shared_state::shared_state;
  std::string sync_before_serving(std::chrono::seconds) override { return {}; }
  void start() override {}
  void drain() override {}
  void stop() override {}
  std::optional<mgmt::json> handle(const mgmt::request&) override { return std::nullopt; }
  std::optional<mgmt::json> peer_links() const override { return std::nullopt; }
  std::optional<cluster::storage_health> storage() const override { return health; }
  mgmt::json status() const override { return {{"backend", "redis"}}; }
  std::vector<std::string> alarms() const override { return {}; }
  cluster::storage_health health{true, 7, 2};

 private:
  void add_peers_details(mgmt::json&) const override {}
};

// A shared state over peer links, with two links (as cluster::pool lists them).
class fake_pool final : public cluster::shared_state {
 public:
  using shared_state::shared_state;
  std::string sync_before_serving(std::chrono::seconds) override { return {}; }
  void start() override {}
  void drain() override {}
  void stop() override {}
  std::optional<mgmt::json> handle(const mgmt::request&) override { return std::nullopt; }
  std::optional<mgmt::json> peer_links() const override {
    auto link = [](const char* name, const char* state, int lag_ms) {
      return mgmt::json{{"name", name},     {"link", state},      {"queued", 3},
                        {"lag_ms", lag_ms}, {"records_sent", 11}, {"records_received", 5},
                        {"disconnects", 1}};
    };
    return mgmt::json::array({link("SIPProxy_2", "up", 250), link("SIPProxy_3", "down", 0)});
  }
  std::optional<cluster::storage_health> storage() const override { return std::nullopt; }
  mgmt::json status() const override { return {{"backend", "peers"}}; }
  std::vector<std::string> alarms() const override { return {}; }

 private:
  void add_peers_details(mgmt::json&) const override {}
};

struct series {
  std::string name;
  std::map<std::string, std::string> labels;
  std::string value;
  std::string raw_labels;  // as written, between the braces
};

// The exposition, parsed strictly: fails the test on any line out of the format.
struct exposition {
  std::map<std::string, int> helps, types;  // how many lines of each, by family
  std::map<std::string, std::string> type_of;
  std::vector<std::string> families;  // in order of their HELP
  std::vector<series> samples;
  std::map<std::string, std::string> family_of_sample;

  explicit exposition(const std::string& text) {
    static const std::regex name_re("[a-zA-Z_:][a-zA-Z0-9_:]*");
    static const std::regex help_re("# HELP ([^ ]+) (.+)");
    static const std::regex type_re("# TYPE ([^ ]+) (counter|gauge|histogram)");
    static const std::regex sample_re("([^{ ]+)(\\{(.*)\\})? ([^ ]+)");
    static const std::regex label_re("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"(,|$)");
    static const std::regex value_re("[0-9]+(\\.[0-9]+)?(e[-+][0-9]+)?|\\+Inf");
    std::istringstream in(text);
    std::string line, current;
    while (std::getline(in, line)) {
      SCOPED_TRACE(line);
      std::smatch m;
      if (std::regex_match(line, m, help_re)) {
        current = m[1];
        EXPECT_TRUE(std::regex_match(current, name_re));
        ++helps[current];
        families.push_back(current);
      } else if (std::regex_match(line, m, type_re)) {
        EXPECT_EQ(m[1], current) << "TYPE right after its HELP";
        ++types[m[1]];
        type_of[m[1]] = m[2];
      } else if (std::regex_match(line, m, sample_re)) {
        series s{m[1], {}, m[4], m[3]};
        EXPECT_TRUE(std::regex_match(s.name, name_re));
        EXPECT_TRUE(std::regex_match(s.value, value_re));
        std::string labels = m[3];
        for (std::sregex_iterator it(labels.begin(), labels.end(), label_re), end; it != end;
             ++it) {
          EXPECT_FALSE(s.labels.count((*it)[1])) << "label given twice";
          s.labels[(*it)[1]] = (*it)[2];
        }
        // The family this series belongs to: the one whose HELP it follows.
        std::string family = s.name;
        if (type_of[current] == "histogram") {
          for (std::string suffix : {"_bucket", "_sum", "_count"})
            if (s.name == current + suffix) family = current;
        }
        EXPECT_EQ(family, current) << "a series outside its family";
        family_of_sample[s.name] = family;
        samples.push_back(std::move(s));
      } else {
        ADD_FAILURE() << "not a line of the exposition format";
      }
    }
  }
  const series* find(const std::string& name,
                     const std::map<std::string, std::string>& labels) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels) return &s;
    return nullptr;
  }
  std::string value(const std::string& name,
                    const std::map<std::string, std::string>& labels = {}) const {
    const series* s = find(name, labels);
    return s ? s->value : "(absent)";
  }
  std::size_t count(const std::string& family) const {
    std::size_t n = 0;
    for (const auto& s : samples) n += family_of_sample.at(s.name) == family;
    return n;
  }
};

std::set<std::string> split_labels(std::string_view declared) {
  std::set<std::string> out;
  while (!declared.empty()) {
    auto comma = declared.find(',');
    out.emplace(declared.substr(0, comma));
    declared = comma == declared.npos ? std::string_view() : declared.substr(comma + 1);
  }
  return out;
}

class metric_table_test : public ::testing::Test {
 protected:
  metric_table_test() {
    log::set_level(log::level::none);
    // Some traffic: an OPTIONS answered here, an INVITE forwarded and answered.
    p.deliver(request_text("OPTIONS", "sip:127.0.0.1:5060"), endpoint);
    p.deliver(request_text("INVITE", "sip:2000@127.0.0.1", {}, {}, "call-2"), endpoint);
    if (const auto* fwd = wire.last("INVITE "))
      p.deliver(response_to(fwd->bytes, 486, "Busy Here", false), server_a);
  }
  metric_source source(const cluster::shared_state& shared) const {
    return metric_source{p.layer,    p.core,    p.overload, p.bindings,
                         p.sessions, p.servers, prober,     shared};
  }

  recording_sender wire;
  pipeline p{standalone_deployment(), wire};
  health::health_prober prober{p.layer, p.timers, p.servers, p.settings,
                               health::prober_identity{"127.0.0.1", 5060}};
  cluster::hybrid_clock clock;
  cluster::replicated_binding_store bindings{"SIPProxy_1", clock};
  cluster::replicated_session_table sessions{"SIPProxy_1", clock, {"SIPServer_A", "SIPServer_B"}};
  cluster::local_state local{bindings, sessions};
};

TEST_F(metric_table_test, exposition_is_valid_and_declares_each_family_once) {
  fake_pool pool(bindings, sessions);
  fake_redis redis(bindings, sessions);
  for (const cluster::shared_state* shared :
       std::initializer_list<const cluster::shared_state*>{&local, &pool, &redis}) {
    exposition e(prometheus_text(source(*shared)));
    ASSERT_FALSE(e.families.empty());
    for (const auto& [family, n] : e.helps) EXPECT_EQ(n, 1) << family;
    for (const auto& [family, n] : e.types) EXPECT_EQ(n, 1) << family;
    EXPECT_EQ(e.helps.size(), e.types.size());
    // Each family's series carry exactly the labels the table declares (and `le` on a
    // histogram's buckets).
    for (const auto& f : metric_families()) {
      SCOPED_TRACE(std::string(f.name));
      EXPECT_TRUE(f.value || f.read) << "a family with no reader";
      for (const auto& s : e.samples) {
        if (e.family_of_sample.at(s.name) != f.name) continue;
        std::set<std::string> want = split_labels(f.labels);
        if (s.name == std::string(f.name) + "_bucket") want.insert("le");
        std::set<std::string> got;
        for (const auto& [k, v] : s.labels) got.insert(k);
        EXPECT_EQ(got, want) << s.name;
      }
    }
  }
}

TEST_F(metric_table_test, the_table_names_each_family_once_as_the_format_wants) {
  static const std::regex name_re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  std::set<std::string_view> seen;
  for (const auto& f : metric_families()) {
    EXPECT_TRUE(std::regex_match(std::string(f.name), name_re)) << f.name;
    EXPECT_TRUE(seen.insert(f.name).second) << f.name << " declared twice";
    EXPECT_FALSE(f.help.empty()) << f.name;
    EXPECT_EQ(f.help.find('\n'), std::string_view::npos) << f.name;
    if (f.type == metric_type::counter) {
      EXPECT_TRUE(f.name.ends_with("_total")) << f.name;
    }
  }
}

TEST_F(metric_table_test, status_counters_and_metrics_carry_the_same_set) {
  exposition e(prometheus_text(source(local)));
  mgmt::json counters = counters_json(source(local));
  ASSERT_TRUE(counters.is_object());
  // Every counter of the status document is a series of /metrics with the same value.
  std::set<std::string> keys;
  for (const auto& f : metric_families()) {
    std::vector<metric_sample> read;
    ASSERT_TRUE(read_family(f, source(local), read) || !f.keyed_series) << f.name;
    for (const auto& m : read) {
      if (m.json_key.empty()) continue;
      SCOPED_TRACE(std::string(m.json_key));
      EXPECT_TRUE(keys.insert(std::string(m.json_key)).second) << "JSON key used twice";
      ASSERT_TRUE(counters.contains(m.json_key));
      // The series in the text: the family's name, the sample's labels.
      std::string name = std::string(f.name) + std::string(m.suffix);
      const series* s = nullptr;
      for (const auto& x : e.samples)
        if (x.name == name && x.raw_labels == m.labels) s = &x;
      ASSERT_NE(s, nullptr) << name << "{" << m.labels << "}";
      EXPECT_EQ(s->value, std::to_string(counters[m.json_key].get<std::uint64_t>()));
    }
  }
  std::set<std::string> json_keys;
  for (const auto& [k, v] : counters.items()) json_keys.insert(k);
  EXPECT_EQ(json_keys, keys);
  // And every counter without labels on /metrics is in the status document.
  for (const auto& f : metric_families()) {
    if (f.type == metric_type::counter && f.labels.empty() && f.value) {
      EXPECT_FALSE(f.json_key.empty()) << f.name << " is on /metrics only";
    }
  }
  // The traffic above moved them.
  EXPECT_GE(counters["requests"].get<std::uint64_t>(), 2u);
  EXPECT_GE(counters["answered_locally"].get<std::uint64_t>(), 1u);
  EXPECT_GE(counters["forwarded"].get<std::uint64_t>(), 1u);
  EXPECT_GE(counters["messages_received"].get<std::uint64_t>(), 3u);
}

// The keys sipproxyctl status, the status page and scripts read: unchanged.
TEST_F(metric_table_test, status_counters_keep_their_keys) {
  mgmt::json counters = counters_json(source(local));
  for (const char* key : {"messages_received",
                          "unparsable_dropped",
                          "malformed_rejected",
                          "retransmissions_absorbed",
                          "requests",
                          "forwarded",
                          "answered_locally",
                          "responses_relayed",
                          "acks_relayed",
                          "failover_retries",
                          "overload_rejected",
                          "transactions_refused",
                          "messages_failed",
                          "stray_responses_dropped",
                          "foreign_responses_dropped",
                          "registrations_stored",
                          "registrations_confirmed",
                          "registrations_unconfirmed_timeout",
                          "registrations_unconfirmed_unavailable",
                          "oversized_rejected",
                          "forged_routes",
                          "own_acks_absorbed"})
    EXPECT_TRUE(counters.contains(key)) << key;
  EXPECT_EQ(counters.size(), 22u);
}

// The families dist/sipproxy-alerts.yml and the man page name, in /metrics's order; with
// peer links the Redis ones are absent, with Redis the peer ones.
TEST_F(metric_table_test, families_and_their_presence_by_backend) {
  fake_pool pool(bindings, sessions);
  fake_redis redis(bindings, sessions);
  exposition with_peers(prometheus_text(source(pool)));
  exposition with_redis(prometheus_text(source(redis)));
  exposition alone(prometheus_text(source(local)));
  const std::vector<std::string> always = {"sipproxy_requests_received_total",
                                           "sipproxy_responses_sent_total",
                                           "sipproxy_messages_received_total",
                                           "sipproxy_messages_dropped_total",
                                           "sipproxy_messages_failed_total",
                                           "sipproxy_stray_responses_dropped_total",
                                           "sipproxy_foreign_responses_dropped_total",
                                           "sipproxy_oversized_requests_total",
                                           "sipproxy_forged_routes_total",
                                           "sipproxy_requests_rejected_malformed_total",
                                           "sipproxy_retransmissions_absorbed_total",
                                           "sipproxy_requests_forwarded_total",
                                           "sipproxy_requests_answered_locally_total",
                                           "sipproxy_failover_retries_total",
                                           "sipproxy_overload_rejected_total",
                                           "sipproxy_transactions_refused_total",
                                           "sipproxy_transactions",
                                           "sipproxy_registrations",
                                           "sipproxy_dialogs",
                                           "sipproxy_sessions",
                                           "sipproxy_registrations_relayed_total",
                                           "sipproxy_registration_confirm_seconds",
                                           "sipproxy_pool_records",
                                           "sipproxy_draining",
                                           "sipproxy_sip_server_state",
                                           "sipproxy_sip_server_options_rtt_seconds",
                                           "sipproxy_feature_server_state",
                                           "sipproxy_request_duration_seconds",
                                           "sipproxy_requests_total",
                                           "sipproxy_responses_relayed_total",
                                           "sipproxy_acks_relayed_total",
                                           "sipproxy_registrations_stored_total",
                                           "sipproxy_own_acks_absorbed_total"};
  const std::vector<std::string> peers = {"sipproxy_peer_up",
                                          "sipproxy_peer_queued",
                                          "sipproxy_peer_lag_seconds",
                                          "sipproxy_peer_records_sent_total",
                                          "sipproxy_peer_records_received_total",
                                          "sipproxy_peer_disconnects_total"};
  const std::vector<std::string> storage = {"sipproxy_shared_storage_up",
                                            "sipproxy_shared_storage_queued",
                                            "sipproxy_shared_storage_queue_overflows_total"};
  for (const auto& f : always) {
    EXPECT_EQ(with_peers.helps.count(f), 1u) << f;
    EXPECT_EQ(with_redis.helps.count(f), 1u) << f;
  }
  for (const auto& f : peers) {
    EXPECT_EQ(with_peers.helps.count(f), 1u) << f;
    EXPECT_EQ(alone.helps.count(f), 1u) << f;  // a pool of one: the family, no series
    EXPECT_EQ(alone.count(f), 0u) << f;
    EXPECT_EQ(with_redis.helps.count(f), 0u) << f;
  }
  for (const auto& f : storage) {
    EXPECT_EQ(with_redis.helps.count(f), 1u) << f;
    EXPECT_EQ(with_peers.helps.count(f), 0u) << f;
    EXPECT_EQ(alone.helps.count(f), 0u) << f;
  }
  EXPECT_EQ(with_peers.families.size(), always.size() + peers.size());
  EXPECT_EQ(with_redis.families.size(), always.size() + storage.size());
  // The values read.
  EXPECT_EQ(with_redis.value("sipproxy_shared_storage_up"), "1");
  EXPECT_EQ(with_redis.value("sipproxy_shared_storage_queued"), "7");
  EXPECT_EQ(with_redis.value("sipproxy_shared_storage_queue_overflows_total"), "2");
  EXPECT_EQ(with_peers.value("sipproxy_peer_up", {{"peer", "SIPProxy_2"}}), "1");
  EXPECT_EQ(with_peers.value("sipproxy_peer_up", {{"peer", "SIPProxy_3"}}), "0");
  EXPECT_EQ(with_peers.value("sipproxy_peer_lag_seconds", {{"peer", "SIPProxy_2"}}), "0.25");
  EXPECT_EQ(with_peers.value("sipproxy_peer_records_sent_total", {{"peer", "SIPProxy_3"}}), "11");
}

TEST_F(metric_table_test, histograms_are_cumulative_and_end_in_inf) {
  exposition e(prometheus_text(source(local)));
  for (const char* h :
       {"sipproxy_request_duration_seconds", "sipproxy_registration_confirm_seconds"}) {
    SCOPED_TRACE(h);
    std::vector<const series*> buckets;
    for (const auto& s : e.samples)
      if (s.name == std::string(h) + "_bucket") buckets.push_back(&s);
    ASSERT_GE(buckets.size(), 2u);
    EXPECT_EQ(buckets.back()->labels.at("le"), "+Inf");
    for (std::size_t i = 1; i < buckets.size(); ++i)
      EXPECT_LE(std::stoull(buckets[i - 1]->value), std::stoull(buckets[i]->value));
    const series* count = e.find(std::string(h) + "_count", {});
    ASSERT_NE(count, nullptr);
    EXPECT_EQ(count->value, buckets.back()->value);
    EXPECT_NE(e.find(std::string(h) + "_sum", {}), nullptr);
  }
  // The INVITE answered 486 above took its place in the latency buckets.
  EXPECT_EQ(e.value("sipproxy_request_duration_seconds_count"), "1");
}

TEST(metric_label, values_are_escaped_as_the_format_wants) {
  EXPECT_EQ(label("pair", "ss1"), "pair=\"ss1\"");
  EXPECT_EQ(label("pair", ""), "pair=\"\"");
  EXPECT_EQ(label("address", "a\"b\\c\nd"), "address=\"a\\\"b\\\\c\\nd\"");
}

}  // namespace
}  // namespace sipproxy::proxy::test
