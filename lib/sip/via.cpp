#include "sip/via.hpp"

#include <charconv>

#include "sip/header_id.hpp"
#include "sip/text.hpp"
#include "sip/uri.hpp"

namespace sipproxy::sip {

namespace {

// Reads one token of the sent-protocol, allowing LWS around the '/'.
std::string_view take_token(std::string_view& s) {
  s = trim(s);
  std::size_t n = 0;
  while (n < s.size() && is_token_char(s[n])) ++n;
  std::string_view tok = s.substr(0, n);
  s.remove_prefix(n);
  s = trim(s);
  return tok;
}

// via-params (RFC 3261 §25.1): *( SEMI generic-param ), generic-param = token [ EQUAL
// gen-value ], gen-value = token / host / quoted-string (received: an IPv6 address too).
// The proxy reads branch, rport and
// received from them: a list it cannot read as the grammar says is no Via it can answer.
bool valid_params(std::string_view params) {
  std::size_t pos = 0;
  while (pos < params.size()) {
    std::size_t end = find_unquoted(params, ';', pos + 1);
    std::string_view item =
        trim(params.substr(pos + 1, end == params.npos ? params.npos : end - pos - 1));
    std::size_t eq = item.find('=');
    if (!is_token(trim(item.substr(0, eq)))) return false;
    if (eq != std::string_view::npos) {
      std::string_view value = trim(item.substr(eq + 1));
      bool quoted = value.size() >= 2 && value.front() == '"' && value.back() == '"';
      // An IPv6 reference, or (received, RFC 3261 §20.42) a bare IPv6 address.
      std::string_view inner = value;
      if (inner.size() >= 3 && inner.front() == '[' && inner.back() == ']')
        inner = inner.substr(1, inner.size() - 2);
      bool ipv6 = !inner.empty() &&
                  inner.find_first_not_of("0123456789abcdefABCDEF:.") == std::string_view::npos;
      if (!quoted && !ipv6 && !is_token(value)) return false;
    }
    if (end == std::string_view::npos) break;
    pos = end;
  }
  return true;
}

bool take_slash(std::string_view& s) {
  s = trim(s);
  if (s.empty() || s.front() != '/') return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<std::string_view> via::param(std::string_view name) const {
  return find_param(params, name);
}

std::string_view via::branch() const {
  auto b = param("branch");
  return b ? *b : std::string_view{};
}

bool via::rfc3261_branch() const {
  return branch().starts_with(magic_cookie);
}

std::optional<via> parse_via(std::string_view value) {
  std::string_view s = value;
  std::string_view name = take_token(s);
  if (!iequals(name, "SIP") || !take_slash(s)) return std::nullopt;
  std::string_view version = take_token(s);
  if (version != "2.0" || !take_slash(s)) return std::nullopt;
  via v;
  v.transport = take_token(s);
  if (v.transport.empty()) return std::nullopt;
  s = trim(s);
  std::size_t semi = s.find(';');
  std::string_view sent_by = trim(s.substr(0, semi));
  if (semi != std::string_view::npos) v.params = s.substr(semi);
  if (sent_by.empty()) return std::nullopt;
  std::size_t host_end;
  if (sent_by.front() == '[') {
    host_end = sent_by.find(']');
    if (host_end == std::string_view::npos) return std::nullopt;
    ++host_end;
  } else {
    host_end = sent_by.find(':');
    if (host_end == std::string_view::npos) host_end = sent_by.size();
  }
  v.host = trim(sent_by.substr(0, host_end));
  std::string_view port = trim(sent_by.substr(host_end));
  if (!port.empty()) {
    if (port.front() != ':') return std::nullopt;
    port = trim(port.substr(1));
    unsigned value_port = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value_port);
    if (ec != std::errc{} || p != port.data() + port.size() || value_port == 0 ||
        value_port > 65535)
      return std::nullopt;
    v.port = static_cast<std::uint16_t>(value_port);
  }
  if (v.host.empty()) return std::nullopt;
  // sent-by host = hostname / IPv4address / IPv6reference (RFC 3261 §25.1).
  bool ipv6 = v.host.front() == '[';
  std::string_view host_chars = ipv6 ? v.host.substr(1, v.host.size() - 2) : v.host;
  if (host_chars.empty()) return std::nullopt;
  for (char c : host_chars) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    bool ok = ipv6 ? (hex || c == ':' || c == '.')
                   : ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.');
    if (!ok) return std::nullopt;
  }
  if (!valid_params(v.params)) return std::nullopt;
  return v;
}

}  // namespace sipproxy::sip

namespace sipproxy::sip {

std::string stamp_received(std::string_view value, const via& v, std::string_view source_ip,
                           std::uint16_t source_port) {
  auto rport = v.param("rport");
  bool want_rport = rport && rport->empty();
  std::string_view host = v.host;
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  bool want_received = host != source_ip || want_rport;
  if (v.param("received")) want_received = false;  // an earlier hop's stamp stays
  if (!want_rport && !want_received) return std::string(value);
  std::size_t params_at = value.size() - v.params.size();
  std::string out(value.substr(0, params_at));
  // Rebuild the parameters, giving the bare rport its value.
  std::string_view p = v.params;
  std::size_t pos = 0;
  while (pos < p.size()) {
    std::size_t next = find_unquoted(p, ';', pos + 1);
    std::string_view item = p.substr(pos, next == p.npos ? p.npos : next - pos);
    std::string_view key =
        trim(item.substr(1, item.find('=') == item.npos ? item.npos : item.find('=') - 1));
    if (want_rport && iequals(key, "rport")) {
      out += ";rport=" + std::to_string(source_port);
    } else {
      out.append(item);
    }
    if (next == p.npos) break;
    pos = next;
  }
  if (want_received) out.append(";received=").append(source_ip);
  return out;
}

}  // namespace sipproxy::sip
