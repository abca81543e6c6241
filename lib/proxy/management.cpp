#include "proxy/management.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "config/option_table.hpp"
#include "config/printable_value.hpp"
#include "log/logger.hpp"
#include "proxy/aor.hpp"

namespace sipproxy::proxy {

using mgmt::json;

management::management(management_view view)
    : v_(std::move(view)), started_(std::chrono::steady_clock::now()) {}

json management::handle(const mgmt::request& r) {
  if (v_.pool) {
    if (auto reply = v_.pool->handle(r)) return *reply;
  }
  if (r.cmd == "status") return mgmt::ok(status());
  if (r.cmd == "servers") return mgmt::ok(servers());
  if (r.cmd == "registrations") return registrations(r.args);
  if (r.cmd == "dialogs") {
    json per_server = json::object();
    auto counts = v_.core.dialogs().by_pair(v_.servers.pairs().size());
    for (const auto& p : v_.servers.pairs()) per_server[p.name] = counts[p.index];
    return mgmt::ok(
        json{{"dialogs", v_.core.dialogs().size()},
             {"dialogs_by_server", per_server},
             {"dialogs_without_server", counts.back()},
             {"transactions",
              {{"server", v_.layer.server_count()}, {"client", v_.layer.client_count()}}},
             {"requests_in_progress", v_.core.context_count()},
             {"sessions", v_.sessions.size()}});
  }
  if (r.cmd == "peers") {
    json peers = v_.pool ? v_.pool->peers() : json::array();
    json reply{{"peers", peers},
               {"records", v_.pool ? v_.pool->records() : v_.bindings.size()},
               {"digest", v_.pool ? v_.pool->digest_text() : std::string()}};
    if (v_.pool) reply["confirmations"] = v_.pool->confirmations();
    if (v_.storage) reply["storage"] = v_.storage->status();
    return mgmt::ok(reply);
  }
  if (r.cmd == "get") return get(r.args);
  if (r.cmd == "set") return set(r.args);
  if (r.cmd == "drain" || r.cmd == "undrain") {
    bool on = r.cmd == "drain";
    v_.set_draining(on);
    log::standard("management: {}",
                  on ? "draining: new out-of-dialog requests and OPTIONS pings get 503"
                     : "drain ended: serving new dialogs again");
    return mgmt::ok(json{{"draining", on}});
  }
  return mgmt::refused(
      fmt::format("unknown command '{}' (valid: status, servers, registrations, "
                  "dialogs, peers, get, set, drain, undrain)",
                  r.cmd));
}

json management::status_document() const {
  json doc = status();
  doc["servers"] = servers()["servers"];
  doc["dialogs"] = v_.core.dialogs().size();
  doc["peers"] = v_.pool ? v_.pool->peers() : json::array();
  return doc;
}

bool management::serving() const {
  if (v_.core.draining()) return false;
  for (const auto& p : v_.servers.pairs()) {
    if (v_.servers.active_member(p)) return true;
  }
  return false;
}

std::string management::metrics_text() const {
  std::string out;
  auto metric = [&out](std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  const auto& t = v_.layer.counters();
  const auto& c = v_.core.counters();
  metric("sipproxy_requests_received_total", "counter", "SIP requests received, by method.");
  for (std::size_t i = 0; i < txn::counted_method_count; ++i)
    out += fmt::format("sipproxy_requests_received_total{{method=\"{}\"}} {}\n",
                       txn::counted_methods[i], t.requests_in[i]);
  metric("sipproxy_responses_sent_total", "counter",
         "SIP responses sent upstream through server transactions, by status class.");
  for (int k = 1; k <= 6; ++k)
    out +=
        fmt::format("sipproxy_responses_sent_total{{class=\"{}xx\"}} {}\n", k, t.responses_out[k]);
  metric("sipproxy_messages_received_total", "counter", "SIP messages received (all).");
  out += fmt::format("sipproxy_messages_received_total {}\n", t.received);
  metric("sipproxy_messages_dropped_total", "counter",
         "Messages dropped: not SIP, or unusable responses.");
  out += fmt::format("sipproxy_messages_dropped_total {}\n", t.dropped_unparsable);
  metric("sipproxy_messages_failed_total", "counter",
         "Messages whose handling failed unexpectedly: contained, the message dropped.");
  out += fmt::format("sipproxy_messages_failed_total {}\n", t.failed_messages);
  metric("sipproxy_stray_responses_dropped_total", "counter",
         "Responses that matched no client transaction, dropped (RFC 6026).");
  out += fmt::format("sipproxy_stray_responses_dropped_total {}\n", t.stray_responses);
  metric("sipproxy_foreign_responses_dropped_total", "counter",
         "Responses from elsewhere than their request was sent to, dropped.");
  out += fmt::format("sipproxy_foreign_responses_dropped_total {}\n", t.foreign_responses);
  metric("sipproxy_oversized_requests_total", "counter",
         "Requests refused with 400 because a field the proxy stores is over its length cap.");
  out += fmt::format("sipproxy_oversized_requests_total {}\n", c.rejected_oversized);
  metric("sipproxy_forged_routes_total", "counter",
         "Requests naming this proxy with Record-Route parameters that failed their MAC: not "
         "honoured.");
  out += fmt::format("sipproxy_forged_routes_total {}\n", c.forged_routes);
  metric("sipproxy_requests_rejected_malformed_total", "counter",
         "Malformed requests answered 400/505.");
  out += fmt::format("sipproxy_requests_rejected_malformed_total {}\n", t.rejected_malformed);
  metric("sipproxy_retransmissions_absorbed_total", "counter", "Request retransmissions absorbed.");
  out += fmt::format("sipproxy_retransmissions_absorbed_total {}\n", t.retransmissions_absorbed);
  metric("sipproxy_requests_forwarded_total", "counter", "Requests forwarded (branches sent).");
  out += fmt::format("sipproxy_requests_forwarded_total {}\n", c.forwarded);
  metric("sipproxy_requests_answered_locally_total", "counter",
         "Requests the proxy answered itself.");
  out += fmt::format("sipproxy_requests_answered_locally_total {}\n", c.answered_locally);
  metric("sipproxy_failover_retries_total", "counter",
         "New requests sent again to another SIP Server.");
  out += fmt::format("sipproxy_failover_retries_total {}\n", c.retries);
  metric("sipproxy_overload_rejected_total", "counter", "New INVITEs refused by overload control.");
  out += fmt::format("sipproxy_overload_rejected_total {}\n", v_.overload.rejected());
  metric("sipproxy_transactions_refused_total", "counter",
         "New requests answered 503 because max-transactions were in flight.");
  out += fmt::format("sipproxy_transactions_refused_total {}\n", t.rejected_busy);
  metric("sipproxy_transactions", "gauge", "Transactions in flight.");
  out += fmt::format("sipproxy_transactions{{side=\"server\"}} {}\n", v_.layer.server_count());
  out += fmt::format("sipproxy_transactions{{side=\"client\"}} {}\n", v_.layer.client_count());
  metric("sipproxy_registrations", "gauge", "Registration bindings stored.");
  out += fmt::format("sipproxy_registrations {}\n", v_.bindings.size());
  metric("sipproxy_dialogs", "gauge",
         "Dialogs established through this instance and not yet ended, by SIP Server pair.");
  {
    auto counts = v_.core.dialogs().by_pair(v_.servers.pairs().size());
    for (const auto& p : v_.servers.pairs())
      out += fmt::format("sipproxy_dialogs{{pair=\"{}\"}} {}\n", p.name, counts[p.index]);
    out += fmt::format("sipproxy_dialogs{{pair=\"\"}} {}\n", counts.back());
  }
  metric("sipproxy_sessions", "gauge", "Sessions in the affinity table.");
  out += fmt::format("sipproxy_sessions {}\n", v_.sessions.size());
  metric("sipproxy_registrations_relayed_total", "counter",
         "REGISTER 2xx relayed, by what the pool said of their binding changes: confirmed "
         "(by a peer or Redis), timed_out or unavailable (relayed unconfirmed, the binding "
         "kept here), not_needed (a lone instance, or registration-confirm-timeout = 0).");
  for (auto k : {registrar::confirmation::not_needed, registrar::confirmation::confirmed,
                 registrar::confirmation::timed_out, registrar::confirmation::unavailable}) {
    std::string name(registrar::confirmation_name(k));
    std::replace(name.begin(), name.end(), ' ', '_');
    out += fmt::format("sipproxy_registrations_relayed_total{{confirmation=\"{}\"}} {}\n", name,
                       c.registrations_by_confirmation[static_cast<int>(k)]);
  }
  metric("sipproxy_registration_confirm_seconds", "histogram",
         "Time a REGISTER's 2xx waited for the pool's confirmation of its binding changes.");
  {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < std::size(proxy::proxy_counters::confirm_bounds); ++i) {
      cumulative += c.confirm_buckets[i];
      out += fmt::format("sipproxy_registration_confirm_seconds_bucket{{le=\"{}\"}} {}\n",
                         proxy::proxy_counters::confirm_bounds[i], cumulative);
    }
    cumulative += c.confirm_buckets[std::size(proxy::proxy_counters::confirm_bounds)];
    out +=
        fmt::format("sipproxy_registration_confirm_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
    out += fmt::format("sipproxy_registration_confirm_seconds_sum {}\n", c.confirm_sum);
    out += fmt::format("sipproxy_registration_confirm_seconds_count {}\n", cumulative);
  }
  metric("sipproxy_pool_records", "gauge",
         "Replicated records held: bindings, tombstones and sessions.");
  out += fmt::format("sipproxy_pool_records {}\n", v_.pool ? v_.pool->records() : 0);
  if (v_.storage) {
    metric("sipproxy_shared_storage_up", "gauge",
           "1 while the shared storage (Redis) is connected and synchronised.");
    out += fmt::format("sipproxy_shared_storage_up {}\n", v_.storage->up() ? 1 : 0);
    metric("sipproxy_shared_storage_queued", "gauge",
           "Changes made while Redis is unavailable, waiting to be written to it.");
    out += fmt::format("sipproxy_shared_storage_queued {}\n", v_.storage->queued());
    metric("sipproxy_shared_storage_queue_overflows_total", "counter",
           "Times the queue of changes for an unavailable Redis passed its bound and was dropped.");
    out += fmt::format("sipproxy_shared_storage_queue_overflows_total {}\n",
                       v_.storage->queue_overflows());
  }
  if (v_.pool) {
    // One family per field of `sipproxyctl peers`, one sample per peer.
    json peers = v_.pool->peers();
    struct family {
      const char* name;
      const char* type;
      const char* help;
      const char* field;
      double scale;
    };
    static constexpr family families[] = {
        {"sipproxy_peer_up", "gauge", "1 while the link to the other pool instance is up.", nullptr,
         1},
        {"sipproxy_peer_queued", "gauge", "Records waiting to be sent to the peer.", "queued", 1},
        {"sipproxy_peer_lag_seconds", "gauge", "Age of the oldest record not yet sent to the peer.",
         "lag_ms", 0.001},
        {"sipproxy_peer_records_sent_total", "counter", "Records the peer acknowledged.",
         "records_sent", 1},
        {"sipproxy_peer_records_received_total", "counter", "Records received from the peer.",
         "records_received", 1},
        {"sipproxy_peer_disconnects_total", "counter", "Times the link to the peer went down.",
         "disconnects", 1},
    };
    for (const auto& f : families) {
      metric(f.name, f.type, f.help);
      for (const auto& p : peers) {
        double v = f.field ? p[f.field].get<double>() * f.scale : (p["link"] == "up" ? 1 : 0);
        out += fmt::format("{}{{peer=\"{}\"}} {}\n", f.name, p["name"].get<std::string>(), v);
      }
    }
  }
  metric("sipproxy_draining", "gauge", "1 while draining.");
  out += fmt::format("sipproxy_draining {}\n", v_.core.draining() ? 1 : 0);
  metric("sipproxy_sip_server_state", "gauge",
         "1 for the state each SIP Server member is in (active, inactive, out-of-service).");
  std::string rtt;
  for (const auto& m : v_.prober.status()) {
    for (auto st : {routing::member_state::active, routing::member_state::inactive,
                    routing::member_state::out_of_service}) {
      out += fmt::format(
          "sipproxy_sip_server_state{{pair=\"{}\",role=\"{}\",address=\"{}\",state=\"{}\"}} {}\n",
          m.pair, m.role, m.address, routing::member_state_name(st), m.state == st ? 1 : 0);
    }
    if (m.last_rtt_ms >= 0)
      rtt +=
          fmt::format("sipproxy_sip_server_options_rtt_seconds{{pair=\"{}\",role=\"{}\"}} {:.6f}\n",
                      m.pair, m.role, m.last_rtt_ms / 1000.0);
  }
  metric("sipproxy_sip_server_options_rtt_seconds", "gauge",
         "Round trip of the last answered OPTIONS probe.");
  out += rtt;
  metric("sipproxy_feature_server_state", "gauge",
         "1 for the state each Feature Server is in (active, inactive, out-of-service).");
  for (const auto& m : v_.prober.feature_server_status()) {
    for (auto st : {routing::member_state::active, routing::member_state::inactive,
                    routing::member_state::out_of_service}) {
      out += fmt::format("sipproxy_feature_server_state{{address=\"{}\",state=\"{}\"}} {}\n",
                         m.address, routing::member_state_name(st), m.state == st ? 1 : 0);
    }
  }
  metric("sipproxy_request_duration_seconds", "histogram",
         "From a forwarded request's arrival to its final response upstream.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= std::size(proxy_counters::latency_bounds); ++i) {
    cumulative += c.latency_buckets[i];
    std::string le = i < std::size(proxy_counters::latency_bounds)
                         ? fmt::format("{}", proxy_counters::latency_bounds[i])
                         : std::string("+Inf");
    out +=
        fmt::format("sipproxy_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", le, cumulative);
  }
  out += fmt::format("sipproxy_request_duration_seconds_sum {:.6f}\n", c.latency_sum);
  out += fmt::format("sipproxy_request_duration_seconds_count {}\n", c.latency_count);
  return out;
}

std::vector<std::string> management::alarms() const {
  std::vector<std::string> out;
  for (const auto& p : v_.servers.pairs()) {
    if (!v_.servers.active_member(p))
      out.push_back(
          fmt::format("40001 SPR_SIPS_HA_PAIR_UNAVAILABLE SIP Server HA pair {} (primary {})",
                      p.name, p.primary.configured));
  }
  if (v_.pool) {
    for (auto& a : v_.pool->alarms()) out.push_back(std::move(a));
  }
  if (v_.storage) {
    for (auto& a : v_.storage->alarms()) out.push_back(std::move(a));
  }
  return out;
}

json management::status() const {
  const auto& s = v_.settings;
  const auto& c = v_.core.counters();
  const auto& t = v_.layer.counters();
  auto uptime =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
  return json{
      {"version", SIPPROXY_VERSION},
      {"application", s.app},
      {"mode", s.standalone() ? "standalone" : "cluster"},
      {"sipproxy_role", s.role},
      {"uptime_s", uptime.count()},
      {"draining", v_.core.draining()},
      {"listeners",
       {{"sip", fmt::format("{}:{} udp+tcp", s.sip_address.empty() ? "*" : s.sip_address,
                            s.self.sip_port)},
        {"mgmt", s.self.mgmt_port ? fmt::format("{}:{}", s.self.mgmt_address, *s.self.mgmt_port)
                                  : std::string("none")},
        {"http", s.self.http_port ? fmt::format("{}:{}", s.self.mgmt_address, *s.self.http_port)
                                  : std::string("none")}}},
      {"counters",
       {{"messages_received", t.received},
        {"unparsable_dropped", t.dropped_unparsable},
        {"malformed_rejected", t.rejected_malformed},
        {"retransmissions_absorbed", t.retransmissions_absorbed},
        {"requests", c.requests},
        {"forwarded", c.forwarded},
        {"answered_locally", c.answered_locally},
        {"responses_relayed", c.responses_relayed},
        {"acks_relayed", c.acks_relayed},
        {"failover_retries", c.retries},
        {"overload_rejected", v_.overload.rejected()},
        {"transactions_refused", t.rejected_busy},
        {"messages_failed", t.failed_messages},
        {"stray_responses_dropped", t.stray_responses},
        {"foreign_responses_dropped", t.foreign_responses},
        {"registrations_stored", c.registrations_stored},
        {"registrations_confirmed",
         c.registrations_by_confirmation[static_cast<int>(registrar::confirmation::confirmed)]},
        {"registrations_unconfirmed_timeout",
         c.registrations_by_confirmation[static_cast<int>(registrar::confirmation::timed_out)]},
        {"registrations_unconfirmed_unavailable",
         c.registrations_by_confirmation[static_cast<int>(registrar::confirmation::unavailable)]},

        {"oversized_rejected", c.rejected_oversized},
        {"forged_routes", c.forged_routes},
        {"own_acks_absorbed", t.own_acks_absorbed}}},
      {"transactions",
       {{"server", v_.layer.server_count()},
        {"client", v_.layer.client_count()},
        {"awaiting_final", v_.layer.pending_server_count()}}},
      {"registrations", v_.bindings.size()},
      {"sessions", v_.sessions.size()},
      {"feature_servers", feature_servers()},
      {"alarms", alarms()},
      {"shared_storage", v_.storage ? v_.storage->status() : json{{"backend", "peers"}}},
  };
}

json management::servers() const {
  json pairs = json::array();
  auto status = v_.prober.status();
  auto dialogs = v_.core.dialogs().by_pair(v_.servers.pairs().size());
  for (const auto& p : v_.servers.pairs()) {
    json members = json::array();
    for (const auto& m : status) {
      if (m.pair != p.name) continue;
      members.push_back(
          json{{"role", m.role},
               {"address", m.address},
               {"state", routing::member_state_name(m.state)},
               {"last_rtt_ms", m.last_rtt_ms < 0 ? json(nullptr) : json(m.last_rtt_ms)},
               {"probes_sent", m.probes_sent},
               {"probes_answered", m.probes_answered}});
    }
    const routing::member* active = v_.servers.active_member(p);
    pairs.push_back(json{{"name", p.name},
                         {"index", p.index},
                         {"geo_location", p.geo_location},
                         {"available", active != nullptr},
                         {"new_dialogs_to", active ? json(active->configured) : json(nullptr)},
                         {"dialogs", dialogs[p.index]},
                         {"members", members}});
  }
  return json{{"servers", pairs},
              {"feature_servers", feature_servers()},
              {"oos_check", v_.settings.oos_check},
              {"oos_force", v_.settings.oos_force}};
}

json management::feature_servers() const {
  json out = json::array();
  for (const auto& m : v_.prober.feature_server_status()) {
    out.push_back(json{{"address", m.address},
                       {"state", routing::member_state_name(m.state)},
                       {"last_rtt_ms", m.last_rtt_ms < 0 ? json(nullptr) : json(m.last_rtt_ms)},
                       {"probes_sent", m.probes_sent},
                       {"probes_answered", m.probes_answered}});
  }
  return out;
}

json management::registrations(const std::vector<std::string>& args) const {
  if (args.empty()) return mgmt::ok(json{{"count", v_.bindings.size()}});
  auto now = registrar::wall_clock::now();
  json list = json::array();
  // As the registrar keys it: "1000@host:5060" and "sip:1000@HOST" find sip:1000@host.
  std::string aor = args[0];
  if (aor.find(':') == std::string::npos || aor.rfind("sip", 0) != 0) aor = "sip:" + aor;
  if (auto u = sip::parse_uri(aor)) aor = canonical_aor(*u, v_.self);
  for (const auto& b : v_.bindings.lookup(aor)) {
    list.push_back(json{
        {"aor", b.aor},
        {"contact", b.contact},
        {"expires_in_s", std::chrono::duration_cast<std::chrono::seconds>(b.expires - now).count()},
        {"flow", b.flow.to_string()},
        {"instance", b.instance}});
  }
  return mgmt::ok(json{{"aor", aor}, {"bindings", list}});
}

json management::get(const std::vector<std::string>& args) const {
  if (args.size() != 1) return mgmt::refused("usage: get OPTION");
  const config::option_spec* spec = config::find_option(args[0]);
  if (!spec) {
    std::string_view near = config::nearest_option(args[0]);
    return mgmt::refused(
        fmt::format("unknown option '{}'{}", args[0],
                    near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
  }
  std::string name(spec->name);
  // Secrets: whether they are set, never what they are.
  std::string value = config::printable_value(name, v_.settings.values.at(name));
  return mgmt::ok(json{{"option", name},
                       {"value", value},
                       {"default", std::string(spec->default_value)},
                       {"valid", config::describe_range(*spec)},
                       {"takes_effect", std::string(config::describe_effect(spec->effect))}});
}

json management::set(const std::vector<std::string>& args) {
  if (args.size() != 2) return mgmt::refused("usage: set OPTION VALUE");
  const config::option_spec* spec = config::find_option(args[0]);
  if (!spec) return get({args[0]});  // the same "unknown option" answer
  if (spec->effect == config::takes_effect::after_restart)
    return mgmt::refused(
        fmt::format("option '{}' takes effect after restart: change it in {} and "
                    "restart the instance",
                    args[0], v_.settings.file));
  if (auto why = config::check_value(*spec, args[1]))
    return mgmt::refused(fmt::format("option '{}': {}", args[0], *why));
  std::string name(spec->name);
  std::string before = v_.settings.values[name];
  v_.settings.values[name] = args[1];
  v_.apply_runtime_options();
  log::standard(
      "management: option '{}' set from '{}' to '{}' (takes effect {}; the file is "
      "unchanged)",
      name, config::printable_value(name, before), config::printable_value(name, args[1]),
      config::describe_effect(spec->effect));
  return mgmt::ok(json{{"option", name},
                       {"value", config::printable_value(name, args[1])},
                       {"previous", config::printable_value(name, before)}});
}

}  // namespace sipproxy::proxy
