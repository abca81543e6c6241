#include "config/deployment_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "config/config_error.hpp"
#include "config/log_section.hpp"
#include "config/option_table.hpp"

namespace sipproxy::config {

namespace {

struct entry {
  std::string value;
  int line = 0;
};

struct section {
  std::string name;
  int line = 0;
  std::map<std::string, entry> entries;
};

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

// Strips a ';' or '#' comment that starts a line or follows whitespace.
std::string strip_comment(const std::string& line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((line[i] == ';' || line[i] == '#') && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t'))
      return line.substr(0, i);
  }
  return line;
}

std::vector<section> parse_ini(const std::string& text, const std::string& path) {
  std::vector<section> sections;
  std::istringstream in(text);
  std::string raw;
  int line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    std::string line = trim(strip_comment(raw));
    if (line.empty()) continue;
    if (line.front() == '[') {
      if (line.back() != ']' || line.size() < 3)
        throw config_error(path, line_no, "malformed section header '" + line + "'");
      std::string name = trim(std::string_view(line).substr(1, line.size() - 2));
      for (const auto& s : sections) {
        if (s.name == name)
          throw config_error(path, line_no,
                             fmt::format("section [{}] repeats the one at line {}", name, s.line));
      }
      sections.push_back(section{name, line_no, {}});
      continue;
    }
    std::size_t eq = line.find('=');
    if (eq == std::string::npos)
      throw config_error(path, line_no, "expected 'option = value', got '" + line + "'");
    if (sections.empty())
      throw config_error(path, line_no, "option outside any section; start with [sipproxy]");
    std::string key = trim(std::string_view(line).substr(0, eq));
    std::string value = trim(std::string_view(line).substr(eq + 1));
    auto& entries = sections.back().entries;
    if (auto it = entries.find(key); it != entries.end())
      throw config_error(
          path, line_no,
          fmt::format("option '{}' repeats the one at line {}", key, it->second.line));
    entries[key] = entry{value, line_no};
  }
  return sections;
}

const section* find_section(const std::vector<section>& sections, const std::string& name) {
  for (const auto& s : sections) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<std::string> split_list(const std::string& value) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    std::string item = trim(std::string_view(value).substr(
        start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

[[noreturn]] void unknown_option(const std::string& path, int line, const std::string& key,
                                 const std::string& where) {
  std::string_view near = nearest_option(key);
  if (key == "primary" || key == "backup" || key == "geo-location")
    near = {};  // sip-server keys in the wrong kind of section
  throw config_error(path, line,
                     fmt::format("unknown option '{}' in {}{}", key, where,
                                 near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
}

// "host:port[;transport=tcp|udp]" of a SIP Server member.
server_address parse_member(const std::string& path, const std::string& section_name,
                            const std::string& key, const entry& e) {
  std::string text = e.value;
  server_address a;
  std::size_t semi = text.find(';');
  if (semi != std::string::npos) {
    std::string param = trim(std::string_view(text).substr(semi + 1));
    if (param == "transport=tcp" || param == "transport=TCP") {
      a.tcp = true;
    } else if (param != "transport=udp" && param != "transport=UDP") {
      throw config_error(path, e.line,
                         fmt::format("[{}] {} = '{}': valid values: host:port, optionally "
                                     "followed by ;transport=udp or ;transport=tcp",
                                     section_name, key, e.value));
    }
    text = trim(std::string_view(text).substr(0, semi));
  }
  std::size_t colon = text.rfind(':');
  unsigned port = 5060;
  if (colon != std::string::npos && text.find(']', colon) == std::string::npos) {
    std::string p = text.substr(colon + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (p.empty() || ec != std::errc{} || end != p.data() + p.size() || port < 1 || port > 65535)
      throw config_error(
          path, e.line,
          fmt::format("[{}] {} = '{}': the port must be 1-65535", section_name, key, e.value));
    text = text.substr(0, colon);
  }
  if (text.size() > 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  if (text.empty())
    throw config_error(
        path, e.line,
        fmt::format("[{}] {} = '{}': valid values: host:port", section_name, key, e.value));
  a.host = text;
  a.port = static_cast<std::uint16_t>(port);
  return a;
}

sip_server_app load_server(const std::string& path, const section& s) {
  sip_server_app app;
  app.name = s.name;
  for (const auto& [key, e] : s.entries) {
    if (key == "type") continue;
    if (key == "primary") {
      app.primary = parse_member(path, s.name, key, e);
    } else if (key == "backup") {
      if (!e.value.empty()) app.backup = parse_member(path, s.name, key, e);
    } else if (key == "geo-location") {
      if (!is_word(e.value))
        throw config_error(path, e.line,
                           fmt::format("[{}] geo-location = '{}' is not valid; valid values: {}",
                                       s.name, e.value, describe_range(*find_option(key))));
      app.geo_location = e.value;
    } else {
      throw config_error(path, e.line,
                         fmt::format("unknown option '{}' in sip-server section [{}]; valid: "
                                     "type, primary, backup, geo-location",
                                     key, s.name));
    }
  }
  if (!s.entries.count("primary"))
    throw config_error(path, s.line,
                       fmt::format("sip-server section [{}] has no 'primary = host:port'", s.name));
  return app;
}

std::string section_type(const std::string& path, const section& s) {
  auto it = s.entries.find("type");
  if (it == s.entries.end())
    throw config_error(
        path, s.line,
        fmt::format("section [{}] has no 'type' (valid values: sip-proxy, sip-server)", s.name));
  if (it->second.value != "sip-proxy" && it->second.value != "sip-server")
    throw config_error(
        path, it->second.line,
        fmt::format("[{}] type = '{}' is not valid; valid values: sip-proxy, sip-server", s.name,
                    it->second.value));
  return it->second.value;
}

int to_int(const std::string& v) {
  return static_cast<int>(parse_integer(v).value_or(0));
}

}  // namespace

void derive_typed(settings& s) {
  auto& v = s.values;
  s.role = to_int(v["sipproxy-role"]);
  s.applications = split_list(v["applications"]);
  s.sipproxy_applications = split_list(v["sipproxy-applications"]);
  s.serving_sipserver = v["serving-sipserver"];
  if (s.applications.empty() && !s.serving_sipserver.empty())
    s.applications.push_back(s.serving_sipserver);
  s.contact_address = v["contact-address"];
  s.internal_domain = v["internal-domain"];
  s.feature_server_address = v["feature-server-address"];
  s.feature_servers.clear();
  for (const std::string& item : split_list(s.feature_server_address)) {
    // The option's check (option_table) has accepted "host:port[;geo-location=NAME]".
    std::size_t semi = item.find(';');
    settings::feature_server_entry e{trim(std::string_view(item).substr(0, semi)), {}};
    if (semi != std::string::npos) {
      std::string param = trim(std::string_view(item).substr(semi + 1));
      e.geo_location = trim(std::string_view(param).substr(param.find('=') + 1));
    }
    s.feature_servers.push_back(std::move(e));
  }
  s.geo_location = v["geo-location"];
  s.sip_address = v["sip-address"];
  s.mgmt_token = v["mgmt-token"];
  s.route_secret = v["route-secret"];
  s.route_secret_previous = v["route-secret-previous"];
  s.load_balancing = v["load-balancing"];
  s.dns_server = v["dns-server"];
  s.resolve_host = v["resolve-host"] == "true";
  s.oos_check = to_int(v["oos-check"]);
  s.oos_force = to_int(v["oos-force"]);
  s.overload_ctrl_dialog_rate = to_int(v["overload-ctrl-dialog-rate"]);
  s.registrar_default_timeout = to_int(v["registrar-default-timeout"]);
  s.send_data_timeout = to_int(v["send-data-timeout"]);
  s.wait_response_timeout = to_int(v["wait-response-timeout"]);
  s.client_side_port = to_int(v["client-side-port"]);
  s.sip_ip_tos = to_int(v["sip-ip-tos"]);
  s.max_connections_per_source = to_int(v["max-connections-per-source"]);
  s.max_tcp_connections = to_int(v["max-tcp-connections"]);
  s.max_tcp_outbound_connections = to_int(v["max-tcp-outbound-connections"]);
  s.tls_certificate = v["tls-certificate"];
  s.tls_private_key = v["tls-private-key"];
  s.tls_ca_file = v["tls-ca-file"];
  s.tls_min_version = v["tls-min-version"];
  s.tls_ciphers = v["tls-ciphers"];
  s.mgmt_auth_timeout = to_int(v["mgmt-auth-timeout"]);
  s.max_transactions = to_int(v["max-transactions"]);
  s.max_registrations_per_aor = to_int(v["max-registrations-per-aor"]);
  s.registration_confirm_timeout = to_int(v["registration-confirm-timeout"]);
  s.registration_confirm_peers = v["registration-confirm-peers"];
}

settings load_deployment_text(const std::string& text, const std::string& path,
                              const std::string& app) {
  auto sections = parse_ini(text, path);
  const section* common = find_section(sections, "sipproxy");
  if (!common) throw config_error(path, 0, "no [sipproxy] section");

  settings s;
  s.file = path;
  s.app = app;

  // Check every section: the deployment options, each application's kind and keys.
  for (const auto& [key, e] : common->entries) {
    const option_spec* spec = find_option(key);
    if (!spec) unknown_option(path, e.line, key, "[sipproxy]");
    if (spec->scope == option_scope::application)
      throw config_error(path, e.line,
                         fmt::format("option '{}' belongs in a sip-proxy application section, not "
                                     "[sipproxy]",
                                     key));
    if (auto why = check_value(*spec, e.value))
      throw config_error(path, e.line, fmt::format("option '{}': {}", key, *why));
  }
  for (const auto& sec : sections) {
    if (&sec == common) continue;
    if (sec.name == "log") {
      std::vector<log_entry> entries;
      for (const auto& [key, e] : sec.entries) entries.push_back({key, e.value, e.line});
      std::sort(entries.begin(), entries.end(),
                [](const log_entry& a, const log_entry& b) { return a.line < b.line; });
      s.log = parse_log_section(path, entries);
      continue;
    }
    if (section_type(path, sec) == "sip-server") {
      load_server(path, sec);  // checked even when `applications` does not name it
      continue;
    }
    proxy_app p;
    p.name = sec.name;
    for (const auto& [key, e] : sec.entries) {
      const option_spec* spec = find_option(key);
      if (!spec) unknown_option(path, e.line, key, "[" + sec.name + "]");
      if (auto why = check_value(*spec, e.value))
        throw config_error(path, e.line, fmt::format("option '{}': {}", key, *why));
      if (key == "host") p.host = e.value;
      if (key == "sip-port") p.sip_port = static_cast<std::uint16_t>(to_int(e.value));
      if (key == "sip-tls-port") p.tls_port = static_cast<std::uint16_t>(to_int(e.value));
      if (key == "mgmt-port") p.mgmt_port = static_cast<std::uint16_t>(to_int(e.value));
      if (key == "http-port") p.http_port = static_cast<std::uint16_t>(to_int(e.value));
      if (key == "mgmt-address") {
        p.mgmt_address = e.value;
        p.mgmt_address_set = true;
      }
    }
    // Without mgmt-address, a section with a mgmt-token (its own or [sipproxy]'s) binds
    // its management port on its host, so that instances on other hosts can link.
    const auto& token_entries = sec.entries.count("mgmt-token") ? sec.entries : common->entries;
    auto token = token_entries.find("mgmt-token");
    if (!p.mgmt_address_set && !p.host.empty() && token != token_entries.end() &&
        !token->second.value.empty())
      p.mgmt_address = p.host;
    s.proxies.push_back(p);
  }

  const section* own = find_section(sections, app);
  if (!own)
    throw config_error(
        path, 0, fmt::format("no application section [{}] (the --app name) in the file", app));
  if (section_type(path, *own) != "sip-proxy")
    throw config_error(
        path, own->line,
        fmt::format("[{}] is a sip-server section; --app must name a sip-proxy", app));
  for (const auto& p : s.proxies) {
    if (p.name == app) s.self = p;
  }

  // Effective values: default, then [sipproxy], then the application's own section.
  for (const auto& spec : options()) {
    std::string name(spec.name);
    s.values[name] = std::string(spec.default_value);
    s.lines[name] = 0;
    for (const section* sec : {common, own}) {
      if (auto it = sec->entries.find(name); it != sec->entries.end()) {
        s.values[name] = it->second.value;
        s.lines[name] = it->second.line;
      }
    }
  }
  if (!s.self.mgmt_address_set) s.values["mgmt-address"] = s.self.mgmt_address;
  derive_typed(s);

  if (s.self.tls_port != 0) {
    for (const char* option : {"tls-certificate", "tls-private-key"}) {
      if (s.values[option].empty())
        throw config_error(path, s.lines["sip-tls-port"],
                           fmt::format("option 'sip-tls-port' = {} needs '{}' (a PEM file) in "
                                       "[sipproxy] or [{}]",
                                       s.self.tls_port, option, app));
    }
    if (s.self.tls_port == s.self.sip_port)
      throw config_error(path, s.lines["sip-tls-port"],
                         fmt::format("option 'sip-tls-port' = {} is the sip-port; valid values: "
                                     "0 (no TLS), or a port other than {}",
                                     s.self.tls_port, s.self.sip_port));
  }

  if (!s.dns_server.empty()) {
    std::string host = s.dns_server.substr(0, s.dns_server.rfind(':'));
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (ec)
      throw config_error(path, s.lines["dns-server"],
                         fmt::format("option 'dns-server': '{}' is not valid; valid values: "
                                     "IP:port (an address, not a name)",
                                     s.dns_server));
  }

  try {
    s.redis = parse_shared_storage(s.values["shared-storage"]);
  } catch (const std::invalid_argument& e) {
    throw config_error(path, s.lines["shared-storage"],
                       fmt::format("option 'shared-storage': '{}' is not valid ({}); valid "
                                   "values: {}",
                                   masked_shared_storage(s.values["shared-storage"]), e.what(),
                                   shared_storage_values));
  }

  // References between sections.
  if (s.standalone() && s.serving_sipserver.empty())
    throw config_error(
        path, s.lines["sipproxy-role"],
        "sipproxy-role = 10 (standalone) needs 'serving-sipserver' (in [sipproxy] or this "
        "application's section)");
  if (s.applications.empty() && !s.serving_sipserver.empty())
    s.applications.push_back(s.serving_sipserver);
  if (s.applications.empty())
    throw config_error(path, common->line,
                       "'applications' lists no SIP Server; name at least one sip-server section");
  for (const auto& name : s.applications) {
    const section* sec = find_section(sections, name);
    if (!sec || section_type(path, *sec) != "sip-server")
      throw config_error(
          path, s.lines["applications"],
          fmt::format("option 'applications': '{}' has no sip-server section", name));
    s.servers.push_back(load_server(path, *sec));
  }
  if (!s.serving_sipserver.empty()) {
    bool listed = false;
    for (const auto& name : s.applications) listed = listed || name == s.serving_sipserver;
    if (!listed)
      throw config_error(path, s.lines["serving-sipserver"],
                         fmt::format("option 'serving-sipserver': '{}' is not in 'applications'",
                                     s.serving_sipserver));
  }
  for (const auto& name : s.sipproxy_applications) {
    const section* sec = find_section(sections, name);
    if (!sec || section_type(path, *sec) != "sip-proxy")
      throw config_error(
          path, s.lines["sipproxy-applications"],
          fmt::format("option 'sipproxy-applications': '{}' has no sip-proxy section", name));
  }
  return s;
}

settings load_deployment(const std::string& path, const std::string& app) {
  std::ifstream in(path);
  if (!in) throw config_error(path, 0, "cannot open the file");
  std::stringstream text;
  text << in.rdbuf();
  return load_deployment_text(text.str(), path, app);
}

}  // namespace sipproxy::config
