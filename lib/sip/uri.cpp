#include "sip/uri.hpp"

#include <charconv>

#include "sip/header_id.hpp"
#include "sip/text.hpp"

namespace sipproxy::sip {

namespace {

bool valid_host(std::string_view host) {
  if (host.empty()) return false;
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) return false;
    for (char c : host.substr(1, host.size() - 2)) {
      bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') return false;
    }
    return true;
  }
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::string_view uri_scheme(std::string_view text) {
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  std::string_view scheme = text.substr(0, colon);
  for (char c : scheme) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '-' || c == '.';
    if (!ok) return {};
  }
  return scheme;
}

std::optional<std::string_view> find_param(std::string_view params, std::string_view name) {
  std::size_t pos = 0;
  while (pos < params.size()) {
    if (params[pos] != ';') {
      ++pos;
      continue;
    }
    std::size_t end = find_unquoted(params, ';', pos + 1);
    std::string_view item =
        params.substr(pos + 1, end == params.npos ? params.npos : end - pos - 1);
    std::size_t eq = item.find('=');
    std::string_view key = trim(item.substr(0, eq));
    if (iequals(key, name)) {
      return eq == std::string_view::npos ? std::string_view{} : trim(item.substr(eq + 1));
    }
    if (end == std::string_view::npos) break;
    pos = end;
  }
  return std::nullopt;
}

bool uri::is_sip() const {
  return iequals(scheme, "sip") || iequals(scheme, "sips");
}
bool uri::is_sips() const {
  return iequals(scheme, "sips");
}

std::optional<std::string_view> uri::param(std::string_view name) const {
  return find_param(params, name);
}

std::string uri::transport() const {
  auto t = param("transport");
  if (!t || t->empty()) return is_sips() ? "tcp" : "udp";
  std::string out(*t);
  for (auto& c : out) c = lower(c);
  return out;
}

std::optional<uri> parse_uri(std::string_view text) {
  text = trim(text);
  uri u;
  u.scheme = uri_scheme(text);
  if (!u.is_sip()) return std::nullopt;
  std::string_view rest = text.substr(u.scheme.size() + 1);
  for (char c : rest) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>' || c == '"')
      return std::nullopt;
  }
  // userinfo ends at the last '@' before the headers ('?' after the host). The user part
  // may hold '?', ';' and '/' itself (RFC 3261 §25.1 user-unreserved), so the headers
  // start at the first '?' after the first '@'.
  std::size_t at = rest.find('@');
  if (at != std::string_view::npos) at = rest.rfind('@', rest.find('?', at));
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    u.user = userinfo.substr(0, userinfo.find(':'));
    // '@' is reserved: inside the user or password it is escaped (%40). Two of them leave
    // the host in doubt (libosip2 takes the first, we took the last): not a URI.
    if (u.user.empty() || userinfo.find('@') != std::string_view::npos) return std::nullopt;
    rest.remove_prefix(at + 1);
  }
  std::size_t q = rest.find('?');
  if (q != std::string_view::npos) {
    u.headers = rest.substr(q);
    rest = rest.substr(0, q);
  }
  std::size_t hostport_end;
  if (!rest.empty() && rest.front() == '[') {
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    hostport_end = rest.find(';', close);
  } else {
    hostport_end = rest.find(';');
  }
  std::string_view hostport = rest.substr(0, hostport_end);
  if (hostport_end != std::string_view::npos) u.params = rest.substr(hostport_end);
  std::size_t colon = hostport.rfind(':');
  if (colon != std::string_view::npos && hostport.find(']', colon) == std::string_view::npos) {
    std::string_view port = hostport.substr(colon + 1);
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || p != port.data() + port.size() || value == 0 ||
        value > 65535)
      return std::nullopt;
    u.port = static_cast<std::uint16_t>(value);
    hostport = hostport.substr(0, colon);
  }
  if (!valid_host(hostport)) return std::nullopt;
  u.host = hostport;
  return u;
}

}  // namespace sipproxy::sip
