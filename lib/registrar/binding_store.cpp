#include "registrar/binding_store.hpp"

#include <algorithm>

#include "sip/uri.hpp"

namespace sipproxy::registrar {

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

void memory_binding_store::put(const binding& b) {
  auto& list = by_aor_[b.aor];
  auto it = std::find_if(list.begin(), list.end(),
                         [&](const binding& x) { return x.contact == b.contact; });
  std::uint64_t h = key_hash(b.contact);
  if (it != list.end()) {
    *it = b;
  } else {
    list.push_back(b);
    ++count_;
    aor_of_contact_.emplace(h, b.aor);
  }
  deadlines_.push(deadline{b.expires, h});
}

void memory_binding_store::erase(std::string_view aor, std::string_view contact) {
  auto it = by_aor_.find(aor);
  if (it == by_aor_.end()) return;
  auto& list = it->second;
  auto b = std::find_if(list.begin(), list.end(),
                        [&](const binding& x) { return x.contact == contact; });
  if (b == list.end()) return;
  auto [lo, hi] = aor_of_contact_.equal_range(key_hash(b->contact));
  for (auto c = lo; c != hi; ++c) {
    if (c->second == aor) {
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
  for (const auto& b : it->second) contacts.push_back(b.contact);
  std::string key(aor);
  for (const auto& c : contacts) erase(key, c);
}

std::vector<binding> memory_binding_store::lookup(std::string_view aor) const {
  auto it = by_aor_.find(aor);
  if (it == by_aor_.end()) return {};
  return it->second;
}

std::optional<binding> memory_binding_store::by_contact(std::string_view contact_uri) const {
  std::string key = contact_key(contact_uri);
  if (key.empty()) return std::nullopt;
  auto [lo, hi] = aor_of_contact_.equal_range(std::hash<std::string>{}(key));
  for (auto c = lo; c != hi; ++c) {
    auto it = by_aor_.find(c->second);
    if (it == by_aor_.end()) continue;
    for (const auto& b : it->second) {
      if (contact_key(b.contact) == key) return b;
    }
  }
  return std::nullopt;
}

std::size_t memory_binding_store::expire(wall_clock::time_point now) {
  return expire_with(now, {});
}

void memory_binding_store::for_each(const std::function<void(const binding&)>& fn) const {
  for (const auto& [aor, list] : by_aor_) {
    for (const auto& b : list) fn(b);
  }
}

std::size_t memory_binding_store::expire_with(wall_clock::time_point now,
                                              const std::function<void(const binding&)>& gone) {
  std::size_t removed = 0;
  while (!deadlines_.empty() && deadlines_.top().when <= now) {
    std::uint64_t h = deadlines_.top().contact;
    deadlines_.pop();
    // A refreshed binding left an older deadline behind: check the bindings' own expiry.
    std::vector<std::pair<std::string, std::string>> due;
    auto [lo, hi] = aor_of_contact_.equal_range(h);
    for (auto c = lo; c != hi; ++c) {
      auto it = by_aor_.find(c->second);
      if (it == by_aor_.end()) continue;
      for (const auto& b : it->second) {
        if (b.expires <= now && key_hash(b.contact) == h) due.emplace_back(b.aor, b.contact);
      }
    }
    for (const auto& [aor, contact] : due) {
      if (gone) {
        for (const auto& b : by_aor_[aor]) {
          if (b.contact == contact) {
            gone(b);
            break;
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
