#include "config/option_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

#include "config/shared_storage.hpp"

namespace sipproxy::config {

namespace {

using vk = value_kind;
using te = takes_effect;
using ap = applies_to;
using sc = option_scope;

constexpr std::int64_t int_max = 2147483647;

// clang-format off
constexpr std::array<option_spec, 44> table{{
  // The seed's options of the [sipproxy] section.
  {"applications", "", vk::list, 0, 0, "", te::after_restart, ap::standalone, sc::deployment,
   "Comma-separated names of the SIP Server applications (HA pairs; primaries only)."},
  {"client-side-port", "0", vk::integer, 0, 65535, "", te::after_restart, ap::both, sc::deployment,
   "First local port for management connections to other proxy instances; 0 = random ports."},
  {"contact-address", "", vk::host_port, 0, 0, "", te::after_restart, ap::standalone, sc::deployment,
   "The pool's DNS A name as host:port; put in Record-Route so in-dialog requests reach any instance."},
  {"feature-server-address", "", vk::host_port_list, 0, 0, "", te::immediately, ap::cluster, sc::deployment,
   "FQDN:port of the SIP Feature Server(s) for MWI SUBSCRIBEs; a comma-separated list is load-balanced."},
  {"geo-location", "", vk::word, 0, 0, "", te::after_restart, ap::both, sc::deployment,
   "Data center this proxy belongs to; cluster mode prefers SIP Servers of the same location."},
  {"internal-domain", "", vk::text, 0, 0, "", te::after_restart, ap::standalone, sc::deployment,
   "The pool's DNS SRV name; requests to this domain are addressed to the proxy."},
  {"oos-check", "5", vk::integer, 0, 300, "", te::immediately, ap::both, sc::deployment,
   "Seconds between OPTIONS pings of each SIP Server; 0 disables out-of-service detection."},
  {"oos-force", "5", vk::integer, 1, 32, "", te::immediately, ap::both, sc::deployment,
   "Seconds between OPTIONS pings of an out-of-service SIP Server, to see it come back."},
  {"overload-ctrl-dialog-rate", "0", vk::integer, 0, int_max, "", te::immediately, ap::both, sc::deployment,
   "New INVITEs per second above which new INVITEs get 503; 0 disables overload control."},
  {"registrar-default-timeout", "0", vk::integer, 0, int_max, "", te::next_register, ap::cluster, sc::deployment,
   "Registration expiry cap in seconds; 0 = the client's Expires."},
  {"resolve-host", "false", vk::boolean, 0, 0, "", te::after_restart, ap::both, sc::deployment,
   "true: the resolved IP of the host goes in Via; false: the host name."},
  {"send-data-timeout", "100", vk::integer, 1, 30000, "", te::immediately, ap::cluster, sc::deployment,
   "Milliseconds between data transmissions of the replication procedure."},
  {"serving-sipserver", "", vk::text, 0, 0, "", te::after_restart, ap::standalone, sc::deployment,
   "Standalone: the SIP Server application that receives every request from endpoints."},
  {"sip-address", "", vk::text, 0, 0, "", te::after_restart, ap::both, sc::deployment,
   "IP address to bind the SIP port to (and to put in Via); unset = all interfaces."},
  {"sip-ip-tos", "256", vk::integer, 0, 256, "", te::after_restart, ap::both, sc::deployment,
   "TOS/DSCP byte of outgoing SIP packets, 0-255; 256 = the operating system's default."},
  {"sipproxy-applications", "", vk::list, 0, 0, "", te::after_restart, ap::standalone, sc::deployment,
   "Comma-separated names of every proxy application of the pool."},
  {"sipproxy-role", "0", vk::choice, 0, 0, "0,10", te::after_restart, ap::both, sc::deployment,
   "0 = cluster mode, 10 = standalone mode."},
  {"wait-response-timeout", "5", vk::integer, 1, 300, "", te::immediately, ap::cluster, sc::deployment,
   "Seconds to wait for a peer's answer to a replication request."},
  // Added by this implementation.
  {"dns-server", "", vk::host_port, 0, 0, "", te::after_restart, ap::both, sc::deployment,
   "DNS server (IP:port) for next hops given as host names; unset = the system's resolv.conf."},
  {"load-balancing", "round-robin", vk::choice, 0, 0, "round-robin,random", te::immediately, ap::both, sc::deployment,
   "Cluster: how new dialogs are spread over the available SIP Server pairs of the geo-location."},
  {"mgmt-token", "", vk::text, 0, 0, "", te::after_restart, ap::both, sc::deployment,
   "Shared secret for mutating management commands and peer links when mgmt-port is not on loopback."},
  {"route-secret", "", vk::key128, 0, 0, "", te::after_restart, ap::both, sc::deployment,
   "Pool-wide key of the MAC on the proxy's Record-Route parameters; unset = from mgmt-token, else per process."},
  {"route-secret-previous", "", vk::key128, 0, 0, "", te::after_restart, ap::both, sc::deployment,
   "The route-secret before a rotation: still accepted on Route headers, never used to sign."},
  // Limits (SECURITY.md, "Limits"): 0 disables each.
  {"max-connections-per-source", "256", vk::integer, 0, 65535, "", te::after_restart, ap::both, sc::deployment,
   "Open inbound TCP connections allowed from one IP address; a new one above it is closed at once."},
  {"max-tcp-connections", "4096", vk::integer, 0, 1000000, "", te::after_restart, ap::both, sc::deployment,
   "Open inbound SIP TCP connections allowed in all; a new one above it is closed at once."},
  {"max-tcp-outbound-connections", "1024", vk::integer, 0, 1000000, "", te::after_restart, ap::both, sc::deployment,
   "SIP TCP connections this instance may have opened at once; a message that needs one more is not sent."},
  {"mgmt-auth-timeout", "10", vk::integer, 1, 300, "", te::after_restart, ap::both, sc::deployment,
   "Seconds a management connection may stay open without sending the mgmt-token (or, with none, a request)."},
  {"max-transactions", "10000", vk::integer, 0, int_max, "", te::immediately, ap::both, sc::deployment,
   "Server transactions awaiting their final response; a new request above it gets 503 with Retry-After."},
  {"max-registrations-per-aor", "20", vk::integer, 0, int_max, "", te::next_register, ap::both, sc::deployment,
   "Contacts one address-of-record may have bound; a REGISTER that would exceed it gets 403."},
  {"registration-confirm-timeout", "300", vk::integer, 0, 10000, "", te::immediately, ap::both, sc::deployment,
   "Milliseconds a REGISTER's 2xx waits for the pool (a peer, or Redis) to confirm its binding changes; 0 = no wait."},
  {"registration-confirm-peers", "one", vk::choice, 0, 0, "one,all", te::immediately, ap::both, sc::deployment,
   "With peer replication: a REGISTER's 2xx waits for one live peer's acknowledgement, or for all live peers'."},
  {"shared-storage", "peers", vk::text, 0, 0, shared_storage_values, te::after_restart, ap::both, sc::deployment,
   "Where registrations and session affinity live: peers, one Redis server (redis://), a Redis Cluster given by seed "
   "nodes (redis-cluster://), or the master a set of sentinels names (redis-sentinel://.../MASTER)."},
  // SIP over TLS (sip-tls-port in the application's section).
  {"tls-certificate", "", vk::text, 0, 0, "", te::immediately, ap::both, sc::deployment,
   "PEM file of the certificate (chain, leaf first) the TLS port presents; read again on SIGHUP."},
  {"tls-private-key", "", vk::text, 0, 0, "", te::immediately, ap::both, sc::deployment,
   "PEM file of the private key of tls-certificate; read again on SIGHUP."},
  {"tls-ca-file", "", vk::text, 0, 0, "", te::immediately, ap::both, sc::deployment,
   "PEM file or hashed directory of the CAs that TLS connections this proxy opens must chain to; unset = the system's."},
  {"tls-min-version", "1.2", vk::choice, 0, 0, "1.2,1.3", te::immediately, ap::both, sc::deployment,
   "Oldest TLS version accepted or offered."},
  {"tls-ciphers", "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL", vk::text, 0, 0, "", te::immediately, ap::both, sc::deployment,
   "OpenSSL cipher list for TLS 1.2 (TLS 1.3 uses OpenSSL's own suites)."},
  // The proxy application's Server Info (its own section only).
  {"type", "", vk::choice, 0, 0, "sip-proxy,sip-server", te::after_restart, ap::both, sc::application,
   "Kind of application section: sip-proxy or sip-server."},
  {"host", "", vk::text, 0, 0, "", te::after_restart, ap::both, sc::application,
   "Host this proxy instance runs on (name or IP); its Via host unless sip-address is set."},
  {"sip-port", "5060", vk::integer, 1, 65535, "", te::after_restart, ap::both, sc::application,
   "SIP port, UDP and TCP."},
  {"sip-tls-port", "0", vk::integer, 0, 65535, "", te::after_restart, ap::both, sc::application,
   "SIP over TLS port; 0 = no TLS listener. Needs tls-certificate and tls-private-key."},
  {"mgmt-port", "", vk::integer, 1, 65535, "", te::after_restart, ap::both, sc::application,
   "Management port (sipproxyctl, peer replication)."},
  {"http-port", "", vk::integer, 1, 65535, "", te::after_restart, ap::both, sc::application,
   "Optional HTTP interface port (status page, status, metrics)."},
  {"mgmt-address", "127.0.0.1", vk::text, 0, 0, "", te::after_restart, ap::both, sc::application,
   "Address the management and HTTP ports bind to; unset: host when mgmt-token is set, else 127.0.0.1."},
}};
// clang-format on

}  // namespace

std::span<const option_spec> options() {
  return table;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
  return v;
}

const option_spec* find_option(std::string_view name) {
  for (const auto& o : table) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

std::string describe_range(const option_spec& spec) {
  switch (spec.kind) {
    case value_kind::integer:
      if (spec.name == "sip-ip-tos") return "0-255, or 256 for the OS default";
      if (spec.max == int_max) return fmt::format("{} or more", spec.min);
      return fmt::format("{}-{}", spec.min, spec.max);
    case value_kind::boolean:
      return "true, false";
    case value_kind::choice: {
      std::string out;
      for (char c : spec.choices) {
        out.push_back(c);
        if (c == ',') out.push_back(' ');
      }
      return out;
    }
    case value_kind::list:
      return "comma-separated names";
    case value_kind::host_port:
      return "host:port";
    case value_kind::host_port_list:
      return "host:port[;geo-location=NAME], or a comma-separated list of them";
    case value_kind::key128:
      return "32 hexadecimal digits (a 128-bit key)";
    case value_kind::word:
      return "letters and digits (A-Z, a-z, 0-9)";
    case value_kind::text:
      // A text option whose form the loader checks (shared-storage) names it in `choices`.
      return spec.choices.empty() ? "any string" : std::string(spec.choices);
  }
  return {};
}

std::string_view describe_effect(takes_effect effect) {
  switch (effect) {
    case takes_effect::immediately:
      return "immediately";
    case takes_effect::after_restart:
      return "after restart";
    case takes_effect::next_register:
      return "on the next REGISTER";
  }
  return {};
}

std::string_view describe_mode(applies_to mode) {
  switch (mode) {
    case applies_to::both:
      return "both";
    case applies_to::standalone:
      return "standalone";
    case applies_to::cluster:
      return "cluster";
  }
  return {};
}

bool is_word(std::string_view value) {
  for (char c : value) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!ok) return false;
  }
  return true;
}

std::optional<std::string> check_value(const option_spec& spec, std::string_view value) {
  switch (spec.kind) {
    case value_kind::integer: {
      auto v = parse_integer(value);
      if (!v || *v < spec.min || *v > spec.max)
        return fmt::format("'{}' is not valid; valid values: {}", value, describe_range(spec));
      return std::nullopt;
    }
    case value_kind::boolean:
      if (value == "true" || value == "false") return std::nullopt;
      return fmt::format("'{}' is not valid; valid values: true, false", value);
    case value_kind::choice: {
      std::string_view rest = spec.choices;
      while (!rest.empty()) {
        std::size_t comma = rest.find(',');
        if (rest.substr(0, comma) == value) return std::nullopt;
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
      return fmt::format("'{}' is not valid; valid values: {}", value, describe_range(spec));
    }
    case value_kind::host_port_list: {
      // Each entry a host:port, optionally with ";geo-location=NAME" (its data centre);
      // no empty entry, no host:port twice.
      std::vector<std::string_view> seen;
      std::string_view rest = value;
      if (value.empty()) return std::nullopt;
      auto strip = [](std::string_view v) {
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
        return v;
      };
      while (true) {
        std::size_t comma = rest.find(',');
        std::string_view entry = strip(rest.substr(0, comma));
        std::size_t semi = entry.find(';');
        std::string_view item = strip(entry.substr(0, semi));
        option_spec one = spec;
        one.kind = value_kind::host_port;
        if (item.empty() || check_value(one, item))
          return fmt::format(
              "'{}' is not valid; valid values: {} (port 1-65535){}", value, describe_range(spec),
              entry.empty() ? " (an entry is empty)" : fmt::format(" ('{}')", entry));
        if (semi != std::string_view::npos) {
          std::string_view param = strip(entry.substr(semi + 1));
          std::size_t eq = param.find('=');
          std::string_view name = strip(param.substr(0, eq));
          std::string_view geo =
              eq == std::string_view::npos ? std::string_view{} : strip(param.substr(eq + 1));
          if (name != "geo-location" || geo.empty() || !is_word(geo))
            return fmt::format(
                "'{}' is not valid: '{}' is not ';geo-location=NAME' with NAME letters and "
                "digits; valid values: {}",
                value, entry.substr(semi), describe_range(spec));
        }
        for (auto s : seen) {
          if (s == item)
            return fmt::format(
                "'{}' is not valid: '{}' is listed twice; valid values: host:port, or a "
                "comma-separated list of different host:port",
                value, item);
        }
        seen.push_back(item);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
      return std::nullopt;
    }
    case value_kind::host_port: {
      if (value.empty()) return std::nullopt;
      std::size_t colon = value.rfind(':');
      bool ok = colon != std::string_view::npos && colon > 0 && value.back() != ']';
      if (ok) {
        std::string_view port = value.substr(colon + 1);
        unsigned v = 0;
        auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
        ok = !port.empty() && ec == std::errc{} && p == port.data() + port.size() && v >= 1 &&
             v <= 65535;
      }
      if (!ok)
        return fmt::format("'{}' is not valid; valid values: host:port (port 1-65535)", value);
      return std::nullopt;
    }
    case value_kind::key128: {
      bool ok = value.empty() || value.size() == 32;
      for (char c : value)
        ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
      if (!ok)
        return fmt::format(
            "the value (not shown: a secret, {} characters) is not valid; valid "
            "values: {}",
            value.size(), describe_range(spec));
      return std::nullopt;
    }
    case value_kind::word:
      if (is_word(value)) return std::nullopt;
      return fmt::format("'{}' is not valid; valid values: {}", value, describe_range(spec));
    case value_kind::list:
    case value_kind::text:
      return std::nullopt;
  }
  return std::nullopt;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string_view nearest_option(std::string_view name) {
  std::string_view best;
  std::size_t best_d = 4;  // suggest only close names
  for (const auto& o : table) {
    std::size_t d = edit_distance(name, o.name);
    if (d < best_d) {
      best_d = d;
      best = o.name;
    }
  }
  return best;
}

}  // namespace sipproxy::config
