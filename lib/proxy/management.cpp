#include "proxy/management.hpp"

#include <fmt/format.h>

#include "config/option_table.hpp"
#include "config/printable_value.hpp"
#include "log/logger.hpp"
#include "proxy/aor.hpp"
#include "proxy/metric_table.hpp"

namespace sipproxy::proxy {

using mgmt::json;

management::management(management_view view)
    : v_(std::move(view)), started_(std::chrono::steady_clock::now()) {}

json management::handle(const mgmt::request& r) {
  if (auto reply = v_.shared.handle(r)) return *reply;
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
  if (r.cmd == "peers") return mgmt::ok(v_.shared.peers_reply());
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
  doc["peers"] = v_.shared.peer_links().value_or(json::array());
  return doc;
}

bool management::serving() const {
  if (v_.core.draining()) return false;
  for (const auto& p : v_.servers.pairs()) {
    if (v_.servers.active_member(p)) return true;
  }
  return false;
}

metric_source management::metrics() const {
  return metric_source{v_.layer,    v_.core,    v_.overload, v_.bindings,
                       v_.sessions, v_.servers, v_.prober,   v_.shared};
}

std::string management::metrics_text() const {
  return prometheus_text(metrics());
}

std::vector<std::string> management::alarms() const {
  std::vector<std::string> out;
  for (const auto& p : v_.servers.pairs()) {
    if (!v_.servers.active_member(p))
      out.push_back(
          fmt::format("40001 SPR_SIPS_HA_PAIR_UNAVAILABLE SIP Server HA pair {} (primary {})",
                      p.name, p.primary.configured));
  }
  for (auto& a : v_.shared.alarms()) out.push_back(std::move(a));
  return out;
}

json management::status() const {
  const auto& s = v_.settings;
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
      {"counters", counters_json(metrics())},
      {"transactions",
       {{"server", v_.layer.server_count()},
        {"client", v_.layer.client_count()},
        {"awaiting_final", v_.layer.pending_server_count()}}},
      {"registrations", v_.bindings.size()},
      {"sessions", v_.sessions.size()},
      {"feature_servers", feature_servers()},
      {"alarms", alarms()},
      {"shared_storage", v_.shared.status()},
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
