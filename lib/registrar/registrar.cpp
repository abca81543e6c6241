#include "registrar/registrar.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "sip/cseq.hpp"
#include "sip/name_addr.hpp"
#include "sip/text.hpp"
#include "sip/uri.hpp"

namespace sipproxy::registrar {

namespace {

std::optional<std::uint32_t> contact_expires(std::string_view contact_value) {
  auto na = sip::parse_name_addr(contact_value);
  if (!na) return std::nullopt;
  auto e = sip::find_param(na->params, "expires");
  if (!e) return std::nullopt;
  return sip::parse_uint(*e, 0xffffffffu);
}

std::string_view contact_uri(std::string_view contact_value) {
  auto na = sip::parse_name_addr(contact_value);
  return na ? na->uri : std::string_view{};
}

}  // namespace

std::vector<std::string_view> split_contacts(std::string_view value) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = sip::find_unquoted(value, ',', start);
    std::string_view item = sip::trim(
        value.substr(start, comma == std::string_view::npos ? value.npos : comma - start));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string with_expires(std::string_view contact_value, std::uint32_t seconds) {
  auto na = sip::parse_name_addr(contact_value);
  if (!na) return std::string(contact_value);
  std::string params;
  std::string_view p = na->params;
  std::size_t pos = 0;
  while (pos < p.size()) {
    std::size_t next = sip::find_unquoted(p, ';', pos + 1);
    std::string_view item = p.substr(pos, next == p.npos ? p.npos : next - pos);
    std::string_view key =
        sip::trim(item.substr(1, item.find('=') == item.npos ? item.npos : item.find('=') - 1));
    if (!sip::iequals(key, "expires") && !sip::trim(item).empty() && item != ";")
      params.append(item);
    if (next == p.npos) break;
    pos = next;
  }
  std::string out;
  if (!na->display.empty()) out.append(na->display).append(" ");
  out.append("<").append(na->uri).append(">").append(params);
  out.append(";expires=").append(std::to_string(seconds));
  return out;
}

void cap_expires(sip::message& m, std::uint32_t cap) {
  if (cap == 0) return;
  std::uint32_t header_value = default_expires;
  if (sip::header* e = m.first(sip::header_id::expires)) {
    if (auto v = sip::parse_uint(e->value, 0xffffffffu)) header_value = *v;
    m.set_value(*e, std::to_string(std::min(header_value, cap)));
  } else if (m.is_request()) {
    m.insert_top(sip::header_id::expires, std::to_string(std::min(header_value, cap)));
  }
  for (auto& h : m.headers()) {
    if (h.id != sip::header_id::contact || sip::trim(h.value) == "*") continue;
    std::string rewritten;
    for (std::string_view c : split_contacts(h.value)) {
      std::uint32_t v = contact_expires(c).value_or(header_value);
      if (!rewritten.empty()) rewritten += ", ";
      rewritten += with_expires(c, std::min(v, cap));
    }
    m.set_value(h, rewritten);
  }
}

std::size_t bindings_if_granted(const binding_store& store, const std::string& aor,
                                const sip::message& request) {
  std::set<std::string> keys;
  for (const binding& b : store.lookup(aor)) keys.insert(contact_key(b.contact));
  std::uint32_t request_default = default_expires;
  if (auto v = sip::parse_uint(request.value(sip::header_id::expires), 0xffffffffu))
    request_default = *v;
  for (const auto& h : request.headers()) {
    if (h.id != sip::header_id::contact) continue;
    if (sip::trim(h.value) == "*") {
      keys.clear();
      continue;
    }
    for (std::string_view c : split_contacts(h.value)) {
      std::string key = contact_key(contact_uri(c));
      if (key.empty()) continue;
      if (contact_expires(c).value_or(request_default) == 0) {
        keys.erase(key);
      } else {
        keys.insert(key);
      }
    }
  }
  return keys.size();
}

update_result registrar::on_registered(const sip::message& request, const sip::message& response,
                                       const transport::peer& flow, const std::string& aor,
                                       wall_clock::time_point now) {
  update_result r;
  std::uint32_t request_default = default_expires;
  if (auto v = sip::parse_uint(request.value(sip::header_id::expires), 0xffffffffu))
    request_default = *v;
  // The registrar's word on expiry, where it gives one (RFC 3261 §10.3 step 8).
  std::optional<std::uint32_t> response_expires =
      sip::parse_uint(response.value(sip::header_id::expires), 0xffffffffu);

  // What the registrar granted, by contact (nullopt: listed without an expiry).
  std::vector<std::pair<std::string, std::optional<std::uint32_t>>> granted;
  for (const auto& h : response.headers()) {
    if (h.id != sip::header_id::contact) continue;
    for (std::string_view c : split_contacts(h.value)) {
      auto e = contact_expires(c);
      granted.emplace_back(contact_key(contact_uri(c)), e ? e : response_expires);
    }
  }
  auto cs = sip::parse_cseq(request.value(sip::header_id::cseq));
  for (const auto& h : request.headers()) {
    if (h.id != sip::header_id::contact) continue;
    if (sip::trim(h.value) == "*") {
      r.removed += store_.lookup(aor).size();
      store_.remove_all(aor);
      continue;
    }
    for (std::string_view c : split_contacts(h.value)) {
      std::string uri(contact_uri(c));
      std::string key = contact_key(uri);
      if (key.empty()) continue;
      // The client's ask: its contact's expires, else its Expires, else 3600.
      std::uint32_t expires = contact_expires(c).value_or(request_default);
      bool listed = false;
      for (const auto& [k, e] : granted) {
        if (k == key) {
          if (e) expires = *e;
          listed = true;
        }
      }
      if (granted.empty() && response_expires) expires = *response_expires;
      // A registrar that lists contacts but not this one did not keep it.
      if (!granted.empty() && !listed) expires = 0;
      if (expires == 0) {
        store_.remove(aor, uri);
        ++r.removed;
        continue;
      }
      if (max_per_aor_ != 0) {
        auto bound = store_.lookup(aor);
        bool known = std::any_of(bound.begin(), bound.end(), [&key](const binding& b) {
          return contact_key(b.contact) == key;
        });
        if (!known && bound.size() >= max_per_aor_) {
          ++r.refused;
          continue;
        }
      }
      binding b;
      b.aor = aor;
      b.contact = uri;
      b.expires = now + std::chrono::seconds(expires);
      b.flow = flow;
      b.instance = instance_;
      b.call_id = std::string(request.value(sip::header_id::call_id));
      b.cseq = cs ? cs->number : 0;
      store_.put(b);
      ++r.stored;
    }
  }
  return r;
}

}  // namespace sipproxy::registrar
