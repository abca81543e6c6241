#include "probe/deployment_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace sipproxy::probe {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::string instance_text(const instance& i) {
  return fmt::format("{} ({}:{})", i.name, i.host, i.sip_port);
}

bool contains(const std::vector<boost::asio::ip::address>& v, const boost::asio::ip::address& a) {
  return std::find(v.begin(), v.end(), a) != v.end();
}

}  // namespace

std::string_view to_string(check_line::verdict v) {
  switch (v) {
    case check_line::verdict::ok:
      return "OK";
    case check_line::verdict::fail:
      return "FAIL";
    case check_line::verdict::skip:
      return "SKIP";
  }
  return "FAIL";
}

std::string deployment_app_name(std::string_view text) {
  std::string section;
  std::string first_proxy;
  std::string current;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (auto c = line.find_first_of(";#"); c != std::string_view::npos)
      line = trim(line.substr(0, c));
    if (line.empty()) continue;
    if (line.front() == '[' && line.back() == ']') {
      current = std::string(trim(line.substr(1, line.size() - 2)));
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    auto key = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    if (current == "sipproxy" && key == "sipproxy-applications") {
      auto comma = value.find(',');
      auto first = trim(value.substr(0, comma));
      if (!first.empty()) return std::string(first);
    }
    if (key == "type" && value == "sip-proxy" && first_proxy.empty()) first_proxy = current;
  }
  return first_proxy;
}

std::optional<host_port> split_host_port(std::string_view text) {
  text = trim(text);
  host_port out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(text.substr(1, close - 1));
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    auto colon = text.find(':');
    if (colon != std::string_view::npos && text.rfind(':') != colon) {
      out.host = std::string(text);  // a bare IPv6 address
    } else {
      out.host = std::string(text.substr(0, colon));
      if (colon != std::string_view::npos) port = text.substr(colon + 1);
    }
  }
  if (out.host.empty()) return std::nullopt;
  if (!port.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || p != port.data() + port.size() || v == 0 || v > 65535)
      return std::nullopt;
    out.port = static_cast<std::uint16_t>(v);
  }
  return out;
}

check_line evaluate_contact(const std::string& contact, std::error_code error,
                            const std::vector<dns::address_record>& addresses,
                            const std::vector<instance>& instances) {
  check_line line{check_line::verdict::ok, "contact-address", contact, ""};
  if (error || addresses.empty()) {
    line.result = check_line::verdict::fail;
    line.detail = "does not resolve: " + (error ? error.message() : std::string("no address"));
    return line;
  }
  std::vector<boost::asio::ip::address> got;
  std::vector<std::string> shown;
  for (const auto& a : addresses) {
    got.push_back(a.address);
    shown.push_back(a.address.to_string());
  }
  std::vector<std::string> missing;
  for (const auto& i : instances) {
    bool listed = std::any_of(i.addresses.begin(), i.addresses.end(),
                              [&](const auto& a) { return contains(got, a); });
    if (!listed) missing.push_back(instance_text(i));
  }
  if (!missing.empty()) {
    line.result = check_line::verdict::fail;
    line.detail = fmt::format("resolves to {}; missing {}", join(shown), join(missing));
    return line;
  }
  line.detail =
      fmt::format("resolves to {} (TTL {}): every instance", join(shown), addresses.front().ttl);
  return line;
}

check_line evaluate_srv(const std::string& srv_name, std::error_code error,
                        const std::vector<srv_endpoint>& endpoints,
                        const std::vector<instance>& instances) {
  check_line line{check_line::verdict::ok, "internal-domain SRV", srv_name, ""};
  if (error || endpoints.empty()) {
    line.result = check_line::verdict::fail;
    line.detail = "no SRV record: " + (error ? error.message() : std::string("no target address"));
    return line;
  }
  std::vector<std::string> missing;
  for (const auto& i : instances) {
    bool listed = std::any_of(endpoints.begin(), endpoints.end(), [&](const srv_endpoint& e) {
      return e.port == i.sip_port && contains(i.addresses, e.address);
    });
    if (!listed) missing.push_back(instance_text(i));
  }
  std::vector<std::string> shown;
  for (const auto& e : endpoints)
    shown.push_back(fmt::format("{}:{}", e.address.to_string(), e.port));
  if (!missing.empty()) {
    line.result = check_line::verdict::fail;
    line.detail = fmt::format("misses {}; lists {}", join(missing), join(shown));
    return line;
  }
  line.detail = fmt::format("lists every instance: {}", join(shown));
  return line;
}

check_line evaluate_ping(std::string check, std::string target, const ping_result& r,
                         bool inactive_ok) {
  check_line line{check_line::verdict::ok, std::move(check), std::move(target), ""};
  double ms = static_cast<double>(r.rtt.count()) / 1000.0;
  if (!r.answered()) {
    line.result = check_line::verdict::fail;
    line.detail = r.error;
  } else if (r.ok()) {
    line.detail = fmt::format("{} {} in {:.1f} ms", r.status, r.reason, ms);
  } else if (r.status == 503 && inactive_ok) {
    line.detail =
        fmt::format("{} {} in {:.1f} ms: inactive (takes no new calls)", r.status, r.reason, ms);
  } else {
    line.result = check_line::verdict::fail;
    line.detail = fmt::format("answered {} {}", r.status, r.reason);
  }
  return line;
}

}  // namespace sipproxy::probe
