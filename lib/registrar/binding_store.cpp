#include "registrar/binding_store.hpp"

#include <algorithm>

#include "sip/uri.hpp"

namespace sipproxy::registrar {

std::string_view confirmation_name(confirmation c) {
  switch (c) {
    case confirmation::not_needed:
      return "not needed";
    case confirmation::confirmed:
      return "confirmed";
    case confirmation::timed_out:
      return "timed out";
    case confirmation::unavailable:
      return "unavailable";
  }
  return "?";
}

std::string contact_key(std::string_view text) {
  auto u = sip::parse_uri(text);
  if (!u) return {};
  std::string key(u->user);
  key.push_back('@');
  for (char c : u->host)
    key.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  key.push_back(':');
  key += std::to_string(u->port ? u->port : 5060);
  return key;
}

std::uint64_t memory_binding_store::key_hash(std::string_view contact_uri) {
  return std::hash<std::string>{}(contact_key(contact_uri));
}

memory_binding_store::memory_binding_store()
    : by_aor_(resource()), aor_of_contact_(resource()), deadlines_(resource()) {}

void memory_binding_store::assign(contact_entry& e, const binding& b) {
  e.contact.assign(b.contact);
  e.expires = b.expires;
  e.flow = b.flow;
  e.instance.assign(b.instance);
  e.call_id.assign(b.call_id);
  e.cseq = b.cseq;
}

binding memory_binding_store::binding_of(std::string_view aor, const contact_entry& e) {
  binding b;
  b.aor = aor;
  b.contact = e.contact;
  b.expires = e.expires;
  b.flow = e.flow;
  b.instance = e.instance;
  b.call_id = e.call_id;
  b.cseq = e.cseq;
  return b;
}

void memory_binding_store::put(const binding& b) {
  auto at = by_aor_.find(std::string_view(b.aor));
  if (at == by_aor_.end()) {
    // The pair is built by the table's allocator: key and list both take the arena.
    at = by_aor_.emplace(std::piecewise_construct, std::forward_as_tuple(b.aor), std::tuple<>())
             .first;
  }
  contact_list& list = at->second;
  auto it = std::find_if(list.begin(), list.end(), [&](const contact_entry& x) {
    return std::string_view(x.contact) == b.contact;
  });
  std::uint64_t h = key_hash(b.contact);
  if (it != list.end()) {
    assign(*it, b);
  } else {
    // contact_entry is no allocator-aware type: its strings are given the arena here, and
    // keep it when the list moves them.
    contact_entry e{std::pmr::string(resource()), {}, {}, std::pmr::string(resource()),
                    std::pmr::string(resource()), 0};
    assign(e, b);
    list.push_back(std::move(e));
    ++count_;
    aor_of_contact_.emplace(h, &at->first);
  }
  deadlines_.push_back(deadline{b.expires, h});
  std::push_heap(deadlines_.begin(), deadlines_.end(), std::greater<>());
}

void memory_binding_store::erase(std::string_view aor, std::string_view contact) {
  auto it = by_aor_.find(aor);
  if (it == by_aor_.end()) return;
  auto& list = it->second;
  auto b = std::find_if(list.begin(), list.end(),
                        [&](const contact_entry& x) { return x.contact == contact; });
  if (b == list.end()) return;
  auto [lo, hi] = aor_of_contact_.equal_range(key_hash(b->contact));
  for (auto c = lo; c != hi; ++c) {
    if (c->second == &it->first) {
      aor_of_contact_.erase(c);
      break;
    }
  }
  list.erase(b);
  --count_;
  if (list.empty()) by_aor_.erase(it);
}

void memory_binding_store::remove(std::string_view aor, std::string_view contact) {
  erase(aor, contact);
}

void memory_binding_store::remove_all(std::string_view aor) {
  auto it = by_aor_.find(aor);
  if (it == by_aor_.end()) return;
  std::vector<std::string> contacts;
  for (const auto& e : it->second) contacts.emplace_back(e.contact);
  std::string key(aor);
  for (const auto& c : contacts) erase(key, c);
}

std::vector<binding> memory_binding_store::lookup(std::string_view aor) const {
  auto it = by_aor_.find(aor);
  if (it == by_aor_.end()) return {};
  std::vector<binding> out;
  out.reserve(it->second.size());
  for (const auto& e : it->second) out.push_back(binding_of(it->first, e));
  return out;
}

std::optional<binding> memory_binding_store::by_contact(std::string_view contact_uri) const {
  std::string key = contact_key(contact_uri);
  if (key.empty()) return std::nullopt;
  auto [lo, hi] = aor_of_contact_.equal_range(std::hash<std::string>{}(key));
  for (auto c = lo; c != hi; ++c) {
    auto it = by_aor_.find(std::string_view(*c->second));
    if (it == by_aor_.end()) continue;
    for (const auto& e : it->second) {
      if (contact_key(e.contact) == key) return binding_of(it->first, e);
    }
  }
  return std::nullopt;
}

std::size_t memory_binding_store::expire(wall_clock::time_point now) {
  return expire_with(now, {});
}

void memory_binding_store::for_each(const std::function<void(const binding&)>& fn) const {
  for (const auto& [aor, list] : by_aor_) {
    for (const auto& e : list) fn(binding_of(aor, e));
  }
}

std::size_t memory_binding_store::expire_with(wall_clock::time_point now,
                                              const std::function<void(const binding&)>& gone) {
  std::size_t removed = 0;
  while (!deadlines_.empty() && deadlines_.front().when <= now) {
    std::uint64_t h = deadlines_.front().contact;
    std::pop_heap(deadlines_.begin(), deadlines_.end(), std::greater<>());
    deadlines_.pop_back();
    // A refreshed binding left an older deadline behind: check the bindings' own expiry.
    std::vector<std::pair<std::string, std::string>> due;
    auto [lo, hi] = aor_of_contact_.equal_range(h);
    for (auto c = lo; c != hi; ++c) {
      auto it = by_aor_.find(std::string_view(*c->second));
      if (it == by_aor_.end()) continue;
      for (const auto& e : it->second) {
        if (e.expires <= now && key_hash(e.contact) == h) due.emplace_back(it->first, e.contact);
      }
    }
    for (const auto& [aor, contact] : due) {
      if (gone) {
        if (auto it = by_aor_.find(std::string_view(aor)); it != by_aor_.end()) {
          for (const auto& e : it->second) {
            if (std::string_view(e.contact) == contact) {
              gone(binding_of(aor, e));
              break;
            }
          }
        }
      }
      erase(aor, contact);
      ++removed;
    }
  }
  return removed;
}

}  // namespace sipproxy::registrar
