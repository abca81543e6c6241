#include "proxy/metric_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace sipproxy::proxy {

namespace {

using samples = std::vector<metric_sample>;
using routing::member_state;

constexpr member_state member_states[] = {member_state::active, member_state::inactive,
                                          member_state::out_of_service};

// A histogram's series from its buckets (each bucket's own count, the last +Inf).
void histogram(samples& out, std::span<const double> bounds, std::span<const std::uint64_t> buckets,
               metric_sample sum, std::uint64_t count) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += buckets[i];
    out.push_back({"_bucket",
                   label("le", i < bounds.size() ? fmt::format("{}", bounds[i]) : "+Inf"),
                   cumulative});
  }
  sum.suffix = "_sum";
  out.push_back(std::move(sum));
  out.push_back({"_count", {}, count});
}

// One family per field of `sipproxyctl peers`, one series per peer (none with Redis).
bool peer_series(const metric_source& s, samples& out, const char* field, double scale) {
  auto links = s.shared.peer_links();
  if (!links) return false;
  for (const auto& p : *links)
    out.push_back({{},
                   label("peer", p["name"].get<std::string>()),
                   field ? p[field].get<double>() * scale : (p["link"] == "up" ? 1.0 : 0.0)});
  return true;
}

const metric_family table[] = {
    {"sipproxy_requests_received_total",
     metric_type::counter,
     "SIP requests received, by method.",
     "method",
     {},
     nullptr,
     [](const metric_source& s, samples& out) {
       for (std::size_t i = 0; i < txn::counted_method_count; ++i)
         out.push_back(
             {{}, label("method", txn::counted_methods[i]), s.layer.counters().requests_in[i]});
       return true;
     }},
    {"sipproxy_responses_sent_total",
     metric_type::counter,
     "SIP responses sent upstream through server transactions, by status class.",
     "class",
     {},
     nullptr,
     [](const metric_source& s, samples& out) {
       for (int k = 1; k <= 6; ++k)
         out.push_back(
             {{}, label("class", fmt::format("{}xx", k)), s.layer.counters().responses_out[k]});
       return true;
     }},
    {"sipproxy_messages_received_total", metric_type::counter, "SIP messages received (all).", "",
     "messages_received", [](const metric_source& s) { return s.layer.counters().received; }},
    {"sipproxy_messages_dropped_total", metric_type::counter,
     "Messages dropped: not SIP, or unusable responses.", "", "unparsable_dropped",
     [](const metric_source& s) { return s.layer.counters().dropped_unparsable; }},
    {"sipproxy_messages_failed_total", metric_type::counter,
     "Messages whose handling failed unexpectedly: contained, the message dropped.", "",
     "messages_failed", [](const metric_source& s) { return s.layer.counters().failed_messages; }},
    {"sipproxy_stray_responses_dropped_total", metric_type::counter,
     "Responses that matched no client transaction, dropped (RFC 6026).", "",
     "stray_responses_dropped",
     [](const metric_source& s) { return s.layer.counters().stray_responses; }},
    {"sipproxy_foreign_responses_dropped_total", metric_type::counter,
     "Responses from elsewhere than their request was sent to, dropped.", "",
     "foreign_responses_dropped",
     [](const metric_source& s) { return s.layer.counters().foreign_responses; }},
    {"sipproxy_oversized_requests_total", metric_type::counter,
     "Requests refused with 400 because a field the proxy stores is over its length cap.", "",
     "oversized_rejected",
     [](const metric_source& s) { return s.core.counters().rejected_oversized; }},
    {"sipproxy_forged_routes_total", metric_type::counter,
     "Requests naming this proxy with Record-Route parameters that failed their MAC: not "
     "honoured.",
     "", "forged_routes", [](const metric_source& s) { return s.core.counters().forged_routes; }},
    {"sipproxy_requests_rejected_malformed_total", metric_type::counter,
     "Malformed requests answered 400/505.", "", "malformed_rejected",
     [](const metric_source& s) { return s.layer.counters().rejected_malformed; }},
    {"sipproxy_own_acks_absorbed_total", metric_type::counter,
     "ACKs for the proxy's own stateless 400, 505 or 503, absorbed.", "", "own_acks_absorbed",
     [](const metric_source& s) { return s.layer.counters().own_acks_absorbed; }},
    {"sipproxy_retransmissions_absorbed_total", metric_type::counter,
     "Request retransmissions absorbed.", "", "retransmissions_absorbed",
     [](const metric_source& s) { return s.layer.counters().retransmissions_absorbed; }},
    {"sipproxy_requests_total", metric_type::counter,
     "Requests the proxy core took on (one per server transaction; ACKs aside).", "", "requests",
     [](const metric_source& s) { return s.core.counters().requests; }},
    {"sipproxy_requests_forwarded_total", metric_type::counter,
     "Requests forwarded (branches sent).", "", "forwarded",
     [](const metric_source& s) { return s.core.counters().forwarded; }},
    {"sipproxy_requests_answered_locally_total", metric_type::counter,
     "Requests the proxy answered itself.", "", "answered_locally",
     [](const metric_source& s) { return s.core.counters().answered_locally; }},
    {"sipproxy_responses_relayed_total", metric_type::counter,
     "Responses relayed upstream from where their request was forwarded.", "", "responses_relayed",
     [](const metric_source& s) { return s.core.counters().responses_relayed; }},
    {"sipproxy_acks_relayed_total", metric_type::counter,
     "ACKs relayed statelessly (for a 2xx, or within a dialog).", "", "acks_relayed",
     [](const metric_source& s) { return s.core.counters().acks_relayed; }},
    {"sipproxy_failover_retries_total", metric_type::counter,
     "New requests sent again to another SIP Server.", "", "failover_retries",
     [](const metric_source& s) { return s.core.counters().retries; }},
    {"sipproxy_overload_rejected_total", metric_type::counter,
     "New INVITEs refused by overload control.", "", "overload_rejected",
     [](const metric_source& s) { return s.overload.rejected(); }},
    {"sipproxy_transactions_refused_total", metric_type::counter,
     "New requests answered 503 because max-transactions were in flight.", "",
     "transactions_refused",
     [](const metric_source& s) { return s.layer.counters().rejected_busy; }},
    {"sipproxy_transactions",
     metric_type::gauge,
     "Transactions in flight.",
     "side",
     {},
     nullptr,
     [](const metric_source& s, samples& out) {
       out.push_back({{}, label("side", "server"), std::uint64_t{s.layer.server_count()}});
       out.push_back({{}, label("side", "client"), std::uint64_t{s.layer.client_count()}});
       return true;
     }},
    {"sipproxy_registrations",
     metric_type::gauge,
     "Registration bindings stored.",
     "",
     {},
     [](const metric_source& s) { return std::uint64_t{s.bindings.size()}; }},
    {"sipproxy_registrations_stored_total", metric_type::counter,
     "Registration bindings stored from REGISTER 2xx responses (refreshes included).", "",
     "registrations_stored",
     [](const metric_source& s) { return s.core.counters().registrations_stored; }},
    {"sipproxy_dialogs",
     metric_type::gauge,
     "Dialogs established through this instance and not yet ended, by SIP Server pair.",
     "pair",
     {},
     nullptr,
     [](const metric_source& s, samples& out) {
       const auto& pairs = s.servers.pairs();
       auto counts = s.core.dialogs().by_pair(pairs.size());
       for (const auto& p : pairs)
         out.push_back({{}, label("pair", p.name), std::uint64_t{counts[p.index]}});
       out.push_back({{}, label("pair", ""), std::uint64_t{counts.back()}});
       return true;
     }},
    {"sipproxy_sessions",
     metric_type::gauge,
     "Sessions in the affinity table.",
     "",
     {},
     [](const metric_source& s) { return std::uint64_t{s.sessions.size()}; }},
    {"sipproxy_registrations_relayed_total",
     metric_type::counter,
     "REGISTER 2xx relayed, by what the pool said of their binding changes: confirmed "
     "(by a peer or Redis), timed_out or unavailable (relayed unconfirmed, the binding "
     "kept here), not_needed (a lone instance, or registration-confirm-timeout = 0).",
     "confirmation",
     {},
     nullptr,
     [](const metric_source& s, samples& out) {
       using registrar::confirmation;
       struct series {
         confirmation c;
         std::string_view json_key;
       };
       static constexpr series all[] = {
           {confirmation::not_needed, {}},
           {confirmation::confirmed, "registrations_confirmed"},
           {confirmation::timed_out, "registrations_unconfirmed_timeout"},
           {confirmation::unavailable, "registrations_unconfirmed_unavailable"}};
       for (const auto& [c, key] : all) {
         std::string name(registrar::confirmation_name(c));
         std::replace(name.begin(), name.end(), ' ', '_');
         out.push_back({{},
                        label("confirmation", name),
                        s.core.counters().registrations_by_confirmation[static_cast<int>(c)],
                        -1,
                        key});
       }
       return true;
     },
     true},
    {"sipproxy_registration_confirm_seconds",
     metric_type::histogram,
     "Time a REGISTER's 2xx waited for the pool's confirmation of its binding changes.",
     "",
     {},
     nullptr,
     [](const metric_source& s, samples& out) {
       const auto& c = s.core.counters();
       std::uint64_t count = 0;
       for (auto n : c.confirm_buckets) count += n;
       histogram(out, proxy_counters::confirm_bounds, c.confirm_buckets, {{}, {}, c.confirm_sum},
                 count);
       return true;
     }},
    {"sipproxy_pool_records",
     metric_type::gauge,
     "Replicated records held: bindings, tombstones and sessions.",
     "",
     {},
     [](const metric_source& s) { return std::uint64_t{s.shared.records()}; }},
    {"sipproxy_shared_storage_up",
     metric_type::gauge,
     "1 while the shared storage (Redis) is connected and synchronised.",
     "",
     {},
     nullptr,
     [](const metric_source& s, samples& out) {
       auto h = s.shared.storage();
       if (h) out.push_back({{}, {}, std::uint64_t{h->up ? 1u : 0u}});
       return h.has_value();
     }},
    {"sipproxy_shared_storage_queued",
     metric_type::gauge,
     "Changes made while Redis is unavailable, waiting to be written to it.",
     "",
     {},
     nullptr,
     [](const metric_source& s, samples& out) {
       auto h = s.shared.storage();
       if (h) out.push_back({{}, {}, std::uint64_t{h->queued}});
       return h.has_value();
     }},
    {"sipproxy_shared_storage_queue_overflows_total",
     metric_type::counter,
     "Times the queue of changes for an unavailable Redis passed its bound and was dropped.",
     "",
     {},
     nullptr,
     [](const metric_source& s, samples& out) {
       auto h = s.shared.storage();
       if (h) out.push_back({{}, {}, h->queue_overflows});
       return h.has_value();
     }},
    {"sipproxy_peer_up",
     metric_type::gauge,
     "1 while the link to the other pool instance is up.",
     "peer",
     {},
     nullptr,
     [](const metric_source& s, samples& out) { return peer_series(s, out, nullptr, 1); }},
    {"sipproxy_peer_queued",
     metric_type::gauge,
     "Records waiting to be sent to the peer.",
     "peer",
     {},
     nullptr,
     [](const metric_source& s, samples& out) { return peer_series(s, out, "queued", 1); }},
    {"sipproxy_peer_lag_seconds",
     metric_type::gauge,
     "Age of the oldest record not yet sent to the peer.",
     "peer",
     {},
     nullptr,
     [](const metric_source& s, samples& out) { return peer_series(s, out, "lag_ms", 0.001); }},
    {"sipproxy_peer_records_sent_total",
     metric_type::counter,
     "Records the peer acknowledged.",
     "peer",
     {},
     nullptr,
     [](const metric_source& s, samples& out) { return peer_series(s, out, "records_sent", 1); }},
    {"sipproxy_peer_records_received_total",
     metric_type::counter,
     "Records received from the peer.",
     "peer",
     {},
     nullptr,
     [](const metric_source& s, samples& out) {
       return peer_series(s, out, "records_received", 1);
     }},
    {"sipproxy_peer_disconnects_total",
     metric_type::counter,
     "Times the link to the peer went down.",
     "peer",
     {},
     nullptr,
     [](const metric_source& s, samples& out) { return peer_series(s, out, "disconnects", 1); }},
    {"sipproxy_draining",
     metric_type::gauge,
     "1 while draining.",
     "",
     {},
     [](const metric_source& s) { return std::uint64_t{s.core.draining() ? 1u : 0u}; }},
    {"sipproxy_sip_server_state",
     metric_type::gauge,
     "1 for the state each SIP Server member is in (active, inactive, out-of-service).",
     "pair,role,address,state",
     {},
     nullptr,
     [](const metric_source& s, samples& out) {
       for (const auto& m : s.prober.status())
         for (auto st : member_states)
           out.push_back({{},
                          label("pair", m.pair) + "," + label("role", m.role) + "," +
                              label("address", m.address) + "," +
                              label("state", routing::member_state_name(st)),
                          std::uint64_t{m.state == st ? 1u : 0u}});
       return true;
     }},
    {"sipproxy_sip_server_options_rtt_seconds",
     metric_type::gauge,
     "Round trip of the last answered OPTIONS probe.",
     "pair,role",
     {},
     nullptr,
     [](const metric_source& s, samples& out) {
       for (const auto& m : s.prober.status())
         if (m.last_rtt_ms >= 0)
           out.push_back({{},
                          label("pair", m.pair) + "," + label("role", m.role),
                          m.last_rtt_ms / 1000.0,
                          6});
       return true;
     }},
    {"sipproxy_feature_server_state",
     metric_type::gauge,
     "1 for the state each Feature Server is in (active, inactive, out-of-service).",
     "address,state",
     {},
     nullptr,
     [](const metric_source& s, samples& out) {
       for (const auto& m : s.prober.feature_server_status())
         for (auto st : member_states)
           out.push_back(
               {{},
                label("address", m.address) + "," + label("state", routing::member_state_name(st)),
                std::uint64_t{m.state == st ? 1u : 0u}});
       return true;
     }},
    {"sipproxy_request_duration_seconds",
     metric_type::histogram,
     "From a forwarded request's arrival to its final response upstream.",
     "",
     {},
     nullptr,
     [](const metric_source& s, samples& out) {
       const auto& c = s.core.counters();
       histogram(out, proxy_counters::latency_bounds, c.latency_buckets, {{}, {}, c.latency_sum, 6},
                 c.latency_count);
       return true;
     }},
};

void append_value(std::string& out, const metric_sample& m) {
  if (const auto* n = std::get_if<std::uint64_t>(&m.value)) {
    fmt::format_to(std::back_inserter(out), "{}", *n);
  } else if (m.decimals >= 0) {
    fmt::format_to(std::back_inserter(out), "{:.{}f}", std::get<double>(m.value), m.decimals);
  } else {
    fmt::format_to(std::back_inserter(out), "{}", std::get<double>(m.value));
  }
}

}  // namespace

std::string_view type_name(metric_type t) {
  switch (t) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

std::string label(std::string_view name, std::string_view value) {
  std::string out(name);
  out += "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::span<const metric_family> metric_families() {
  return table;
}

bool read_family(const metric_family& f, const metric_source& s, std::vector<metric_sample>& out) {
  if (f.value) {
    out.push_back({{}, {}, f.value(s), -1, f.json_key});
    return true;
  }
  return f.read(s, out);
}

std::string prometheus_text(const metric_source& s) {
  std::string out;
  samples series;
  for (const auto& f : table) {
    series.clear();
    if (!read_family(f, s, series)) continue;
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", f.name, f.help, f.name,
                   type_name(f.type));
    for (const auto& m : series) {
      out.append(f.name).append(m.suffix);
      if (!m.labels.empty()) out.append("{").append(m.labels).append("}");
      out += ' ';
      append_value(out, m);
      out += '\n';
    }
  }
  return out;
}

mgmt::json counters_json(const metric_source& s) {
  mgmt::json out = mgmt::json::object();
  samples series;
  for (const auto& f : table) {
    if (f.json_key.empty() && !f.keyed_series) continue;
    series.clear();
    if (!read_family(f, s, series)) continue;
    for (const auto& m : series) {
      if (m.json_key.empty()) continue;
      out[std::string(m.json_key)] = std::get<std::uint64_t>(m.value);
    }
  }
  return out;
}

}  // namespace sipproxy::proxy
