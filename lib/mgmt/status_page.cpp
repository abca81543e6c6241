#include "mgmt/status_page.hpp"

#include <fmt/format.h>

#include <cmath>

#include "mgmt/json_text.hpp"

namespace sipproxy::mgmt {

namespace {

// The field `key` of an object, or null: the document is read, never trusted to be whole.
const json& field(const json& j, const char* key) {
  static const json null_value;
  if (!j.is_object()) return null_value;
  auto it = j.find(key);
  return it == j.end() ? null_value : *it;
}

const json& list(const json& j, const char* key) {
  static const json empty = json::array();
  const json& v = field(j, key);
  return v.is_array() ? v : empty;
}

bool flag(const json& j, const char* key) {
  const json& v = field(j, key);
  return v.is_boolean() && v.get<bool>();
}

constexpr std::string_view none = "\u2014";  // an em dash: no value

// A value as escaped text: strings escaped, numbers as numbers, null as a dash.
std::string text(const json& v) {
  if (v.is_null()) return std::string(none);
  if (v.is_string()) return html_escape(v.get_ref<const std::string&>());
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_float()) {
    double d = v.get<double>();
    return std::isfinite(d) ? fmt::format("{:.1f}", d) : std::string(none);
  }
  if (v.is_number()) return v.dump();
  return html_escape(json_text(v));
}

std::string millis(const json& v) {
  if (!v.is_number()) return std::string(none);
  return fmt::format("{:.1f}&nbsp;ms", v.get<double>());
}

std::string duration(const json& seconds) {
  if (!seconds.is_number_integer()) return std::string(none);
  long long s = seconds.get<long long>();
  if (s < 0) return std::string(none);
  if (s < 60) return fmt::format("{}&nbsp;s", s);
  if (s < 3600) return fmt::format("{}&nbsp;min {}&nbsp;s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}&nbsp;h {}&nbsp;min", s / 3600, s % 3600 / 60);
  return fmt::format("{}&nbsp;d {}&nbsp;h", s / 86400, s % 86400 / 3600);
}

// The colour of a state, from a fixed set: a value never becomes a class name.
std::string_view tone(const json& state) {
  if (!state.is_string()) return "unknown";
  const auto& s = state.get_ref<const std::string&>();
  if (s == "active" || s == "up") return "ok";
  if (s == "inactive" || s == "connecting" || s == "syncing" || s == "synchronising") return "warn";
  if (s == "out-of-service" || s == "down") return "bad";
  return "unknown";
}

std::string state_cell(const json& state) {
  return fmt::format("<td class=\"state {}\">{}</td>", tone(state), text(state));
}

void summary(std::string& out, const json& doc) {
  bool draining = flag(doc, "draining");
  const json& listeners = field(doc, "listeners");
  out += fmt::format(
      "<p class=\"summary\"><span id=\"application\">{}</span> &middot; version {} &middot; {} "
      "&middot; sipproxy-role {} &middot; up {} &middot; <span id=\"serving\" "
      "class=\"{}\">{}</span>"
      " &middot; SIP {} &middot; management {} &middot; HTTP {}</p>\n",
      text(field(doc, "application")), text(field(doc, "version")), text(field(doc, "mode")),
      text(field(doc, "sipproxy_role")), duration(field(doc, "uptime_s")), draining ? "warn" : "ok",
      draining ? "draining" : "serving", text(field(listeners, "sip")),
      text(field(listeners, "mgmt")), text(field(listeners, "http")));
}

void alarms(std::string& out, const json& doc) {
  const json& raised = list(doc, "alarms");
  out += fmt::format("<section id=\"alarms\"><h2>Alarms ({})</h2>\n", raised.size());
  if (raised.empty()) {
    out += "<p class=\"none\">No alarm raised.</p>\n";
  } else {
    out += "<ul>\n";
    for (const auto& a : raised) out += fmt::format("<li class=\"alarm\">{}</li>\n", text(a));
    out += "</ul>\n";
  }
  out += "</section>\n";
}

void servers(std::string& out, const json& doc) {
  const json& pairs = list(doc, "servers");
  out += fmt::format(
      "<section id=\"servers\"><h2>SIP Server pairs ({})</h2>\n"
      "<table>\n<thead><tr><th>Pair / member</th><th>Address</th><th>State</th>"
      "<th>Last OPTIONS round trip</th><th>Probes answered / sent</th><th>Dialogs</th>"
      "<th>New dialogs to</th></tr></thead>\n",
      pairs.size());
  for (const auto& p : pairs) {
    std::string name = text(field(p, "name"));
    bool available = flag(p, "available");
    const json& geo = field(p, "geo_location");
    out += fmt::format(
        "<tbody>\n<tr class=\"pair\" data-pair=\"{0}\"><th scope=\"row\">{0}{1}</th><td></td>"
        "<td class=\"state {2}\">{3}</td><td></td><td></td><td>{4}</td><td>{5}</td></tr>\n",
        name,
        geo.is_string() && !geo.get_ref<const std::string&>().empty()
            ? fmt::format(" <span class=\"geo\">({})</span>", text(geo))
            : std::string(),
        available ? "ok" : "bad", available ? "available" : "unavailable",
        text(field(p, "dialogs")), text(field(p, "new_dialogs_to")));
    for (const auto& m : list(p, "members")) {
      out += fmt::format(
          "<tr class=\"member\" data-pair=\"{}\" data-role=\"{}\"><td class=\"role\">{}</td>"
          "<td>{}</td>{}<td>{}</td><td>{} / {}</td><td></td><td></td></tr>\n",
          name, text(field(m, "role")), text(field(m, "role")), text(field(m, "address")),
          state_cell(field(m, "state")), millis(field(m, "last_rtt_ms")),
          text(field(m, "probes_answered")), text(field(m, "probes_sent")));
    }
    out += "</tbody>\n";
  }
  out += "</table>\n</section>\n";
}

void feature_servers(std::string& out, const json& doc) {
  const json& fs = list(doc, "feature_servers");
  if (fs.empty()) return;
  out += fmt::format(
      "<section id=\"feature-servers\"><h2>Feature Servers ({})</h2>\n<table>\n"
      "<thead><tr><th>Address</th><th>State</th><th>Last OPTIONS round trip</th>"
      "<th>Probes answered / sent</th></tr></thead>\n<tbody>\n",
      fs.size());
  for (const auto& m : fs) {
    out += fmt::format(
        "<tr class=\"feature-server\"><td>{}</td>{}<td>{}</td><td>{} / {}</td></tr>\n",
        text(field(m, "address")), state_cell(field(m, "state")), millis(field(m, "last_rtt_ms")),
        text(field(m, "probes_answered")), text(field(m, "probes_sent")));
  }
  out += "</tbody>\n</table>\n</section>\n";
}

void peers(std::string& out, const json& doc) {
  const json& links = list(doc, "peers");
  out += fmt::format("<section id=\"peers\"><h2>Pool peers ({})</h2>\n", links.size());
  if (links.empty()) {
    out += "<p class=\"none\">No peer: this instance is a pool of one.</p>\n</section>\n";
    return;
  }
  out +=
      "<table>\n<thead><tr><th>Peer</th><th>Address</th><th>Link</th><th>For</th>"
      "<th>Queued</th><th>Lag</th><th>Records sent / received</th><th>Disconnects</th>"
      "<th>Round trip</th><th>Last error</th></tr></thead>\n<tbody>\n";
  for (const auto& l : links) {
    std::string name = text(field(l, "name"));
    out += fmt::format(
        "<tr class=\"peer\" data-peer=\"{0}\"><th scope=\"row\">{0}</th><td>{1}</td>{2}"
        "<td>{3}</td><td>{4}</td><td>{5}</td><td>{6} / {7}</td><td>{8}</td><td>{9}</td>"
        "<td>{10}</td></tr>\n",
        name, text(field(l, "address")), state_cell(field(l, "link")),
        duration(field(l, "since_s")), text(field(l, "queued")), millis(field(l, "lag_ms")),
        text(field(l, "records_sent")), text(field(l, "records_received")),
        text(field(l, "disconnects")), millis(field(l, "rtt_ms")), text(field(l, "error")));
  }
  out += "</tbody>\n</table>\n</section>\n";
}

void storage(std::string& out, const json& doc) {
  const json& s = field(doc, "shared_storage");
  out += "<section id=\"storage\"><h2>Shared storage</h2>\n";
  if (field(s, "backend") != "redis") {
    out += fmt::format(
        "<p>Backend <span id=\"storage-backend\">{}</span>: registrations and affinity "
        "records are replicated over the pool's peer links.</p>\n</section>\n",
        text(field(s, "backend")));
    return;
  }
  out += fmt::format(
      "<p>Backend <span id=\"storage-backend\">redis</span>, {} ({})</p>\n<table>\n<tbody>\n"
      "<tr><th scope=\"row\">State</th>{}</tr>\n"
      "<tr><th scope=\"row\">For</th><td>{}</td></tr>\n"
      "<tr><th scope=\"row\">Bindings / sessions</th><td>{} / {}</td></tr>\n"
      "<tr><th scope=\"row\">Queued while unavailable</th><td>{} (at most {})</td></tr>\n"
      "<tr><th scope=\"row\">Outages</th><td>{}</td></tr>\n"
      "<tr><th scope=\"row\">Last error</th><td>{}</td></tr>\n</tbody>\n</table>\n</section>\n",
      text(field(s, "address")), text(field(s, "mode")), state_cell(field(s, "state")),
      duration(field(s, "state_for_s")), text(field(s, "bindings")), text(field(s, "sessions")),
      text(field(s, "queued")), text(field(s, "queue_cap")), text(field(s, "outages")),
      text(field(s, "error")));
}

void traffic(std::string& out, const json& doc) {
  const json& counters = field(doc, "counters");
  const json& txn = field(doc, "transactions");
  out += fmt::format(
      "<section id=\"traffic\"><h2>Traffic</h2>\n<p>Dialogs {} &middot; transactions {} server, "
      "{} client &middot; registrations {} &middot; sessions {}</p>\n",
      text(field(doc, "dialogs")), text(field(txn, "server")), text(field(txn, "client")),
      text(field(doc, "registrations")), text(field(doc, "sessions")));
  if (!counters.is_object() || counters.empty()) {
    out += "</section>\n";
    return;
  }
  const json& rates = field(doc, "rates");
  const json& window = field(rates, "window_s");
  const json& per_second = field(rates, "per_second");
  out += fmt::format(
      "<table class=\"counters\">\n<thead><tr><th>Counter</th><th>Total</th><th>{}</th></tr>"
      "</thead>\n<tbody>\n",
      window.is_number() ? fmt::format("Per second, last {:.0f}&nbsp;s", window.get<double>())
                         : std::string("Per second (from the next read)"));
  for (const auto& [key, value] : counters.items()) {
    std::string label = key;
    for (char& c : label)
      if (c == '_') c = ' ';
    const json& rate = field(per_second, key.c_str());
    out += fmt::format(
        "<tr data-counter=\"{}\"><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>\n",
        html_escape(key), html_escape(label), text(value),
        rate.is_number() ? fmt::format("{:.1f}", rate.get<double>()) : std::string(none));
  }
  out += "</tbody>\n</table>\n</section>\n";
}

constexpr std::string_view style = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222;background:#fafafa}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.1em;margin:1.2em 0 .4em}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}
thead th{background:#e8e8f0}tr.pair th,tr.pair td{background:#f0f0f5}
td.role{padding-left:1.6em}
.ok,.state.ok{background:#c8f0c8}.warn,.state.warn{background:#fbe7a1}
.bad,.state.bad{background:#f6b8b8}.unknown,.state.unknown{background:#ddd}
li.alarm{color:#900;font-weight:600}.none{color:#666}.summary,.reload{color:#444}
)";

// Fetches the fragment and swaps it in; on failure the page says so and keeps trying.
constexpr std::string_view script = R"(
(function(){
  var live=document.getElementById('live'),note=document.getElementById('refresh'),n=0;
  function tick(){
    fetch('?fragment=1',{cache:'no-store'}).then(function(r){
      if(!r.ok)throw new Error('HTTP '+r.status);return r.text();
    }).then(function(t){
      live.innerHTML=t;n++;document.documentElement.setAttribute('data-refreshes',String(n));
      note.textContent='Refreshed every %SECONDS% s.';
    }).catch(function(e){
      note.textContent='Refresh failed ('+e.message+'): retrying.';
    });
  }
  note.textContent='Refreshed every %SECONDS% s.';
  setInterval(tick,%SECONDS%000);
})();
)";

}  // namespace

std::string html_escape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string status_fragment(const json& status) {
  std::string out;
  summary(out, status);
  alarms(out, status);
  servers(out, status);
  feature_servers(out, status);
  peers(out, status);
  storage(out, status);
  traffic(out, status);
  return out;
}

std::string status_page(const json& status, std::string_view nonce) {
  std::string js(script);
  for (auto at = js.find("%SECONDS%"); at != std::string::npos; at = js.find("%SECONDS%"))
    js.replace(at, 9, std::to_string(status_page_refresh_seconds));
  std::string app = text(field(status, "application"));
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>sipproxy {0}</title>\n<style nonce=\"{1}\">{2}</style>\n</head>\n<body>\n"
      "<header><h1>sipproxy {0}</h1>\n<p class=\"reload\"><span id=\"refresh\">Shown as it was "
      "when the page loaded.</span> <a href=\"/\">Reload</a> &middot; "
      "<a href=\"/status\">/status</a> &middot; <a href=\"/metrics\">/metrics</a></p></header>\n"
      "<main id=\"live\">\n{3}</main>\n<script nonce=\"{1}\">{4}</script>\n</body>\n</html>\n",
      app, nonce, style, status_fragment(status), js);
}

std::string status_page_csp(std::string_view nonce) {
  return fmt::format(
      "default-src 'none'; style-src 'nonce-{0}'; script-src 'nonce-{0}'; connect-src 'self'; "
      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      nonce);
}

}  // namespace sipproxy::mgmt
