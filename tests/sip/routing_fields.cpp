#include "sip/routing_fields.hpp"

#include <algorithm>

#include "sip/cseq.hpp"
#include "sip/name_addr.hpp"
#include "sip/uri.hpp"
#include "sip/via.hpp"

namespace sipproxy::sip {

namespace {

std::string_view trim_view(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

routing_uri uri_of(std::string_view text) {
  std::string scheme = lower_ascii(std::string(uri_scheme(trim_view(text))));
  if (!scheme.empty() && scheme != "sip" && scheme != "sips") return scheme + ":...";
  auto u = parse_uri(text);
  if (!u) return "<unparseable>";
  return make_routing_uri(std::string(u->scheme), unescape(u->user), std::string(u->host), u->port);
}

}  // namespace

std::string lower_ascii(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  return s;
}

std::string upper_ascii(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; });
  return s;
}

std::string unescape(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

routing_uri make_routing_uri(std::string scheme, std::string user, std::string host,
                             unsigned port) {
  std::string out = lower_ascii(std::move(scheme)) + ":";
  if (!user.empty()) out += user + "@";
  out += lower_ascii(std::move(host));
  if (port != 0) out += ":" + std::to_string(port);
  return out;
}

routing_fields fields_of(const message& m) {
  routing_fields f;
  f.request = m.is_request();
  if (f.request) {
    f.method = std::string(m.method());
    f.request_uri = uri_of(m.request_uri());
  } else {
    f.status = m.status();
  }
  if (const header* v = m.first(header_id::via)) {
    f.has_via = true;
    if (auto via = parse_via(v->value)) {
      f.via_transport = upper_ascii(std::string(via->transport));
      f.via_host = lower_ascii(std::string(via->host));
      f.via_port = via->port;
      f.via_branch = std::string(via->branch());
    } else {
      f.via_transport = "<unparseable>";
    }
  }
  f.has_from = m.count(header_id::from) > 0;
  f.has_to = m.count(header_id::to) > 0;
  f.call_id = std::string(m.value(header_id::call_id));
  if (auto cs = parse_cseq(m.value(header_id::cseq))) {
    f.cseq_number = cs->number;
    f.cseq_method = std::string(cs->method);
  }
  f.from_tag = std::string(tag_of(m.value(header_id::from)));
  f.to_tag = std::string(tag_of(m.value(header_id::to)));
  // Without the header, a datagram's body runs to its end (RFC 3261 §18.3).
  if (const header* cl = m.first(header_id::content_length)) {
    if (auto n = parse_uint(cl->value, 0x7fffffffu)) f.content_length = *n;
  } else {
    f.content_length = m.body().size();
  }
  for (const auto& h : m.headers()) {
    if (h.id != header_id::route) continue;
    auto na = parse_name_addr(h.value);
    f.routes.push_back(na ? uri_of(na->uri) : "<unparseable>");
  }
  return f;
}

}  // namespace sipproxy::sip
