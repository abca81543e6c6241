#include "cluster/replicated_binding_store.hpp"

#include <algorithm>

#include "transport/peer.hpp"

namespace sipproxy::cluster {

namespace {

registrar::wall_clock::time_point from_ms(std::int64_t v) {
  return registrar::wall_clock::time_point(std::chrono::milliseconds(v));
}

}  // namespace

registrar::binding binding_of(const replica_record& r) {
  registrar::binding b;
  b.aor = r.a;
  b.contact = r.b;
  b.expires = from_ms(r.expires_ms);
  b.flow.proto = r.proto == "tls"   ? transport::protocol::tls
                 : r.proto == "tcp" ? transport::protocol::tcp
                                    : transport::protocol::udp;
  transport::parse_ip(r.address, b.flow.address);
  b.flow.port = r.port;
  b.flow.connection = 0;  // another instance's connection: reached through that instance
  b.instance = r.instance;
  b.call_id = r.call_id;
  b.cseq = r.cseq;
  return b;
}

replicated_binding_store::replicated_binding_store(std::string self, hybrid_clock& clock)
    : self_(std::move(self)), clock_(clock), versions_(local_.resource()) {
  origins_.push_back(self_);
}

std::int64_t replicated_binding_store::ms(registrar::wall_clock::time_point t) const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::uint32_t replicated_binding_store::origin_index(const std::string& name) {
  for (std::uint32_t i = 0; i < origins_.size(); ++i) {
    if (origins_[i] == name) return i;
  }
  origins_.push_back(name);
  return static_cast<std::uint32_t>(origins_.size() - 1);
}

std::optional<version> replicated_binding_store::held(std::uint64_t key) const {
  if (auto it = versions_.find(key); it != versions_.end())
    return version{it->second.stamp, origins_[it->second.origin]};
  if (auto it = tombstones_.find(key); it != tombstones_.end()) return it->second.v;
  return std::nullopt;
}

void replicated_binding_store::forget(std::uint64_t key) {
  if (auto it = versions_.find(key); it != versions_.end()) {
    digest_ -= record_fingerprint(key, {it->second.stamp, origins_[it->second.origin]}, false);
    versions_.erase(it);
  }
  if (auto it = tombstones_.find(key); it != tombstones_.end()) {
    digest_ -= record_fingerprint(key, it->second.v, true);
    tombstones_.erase(it);
  }
}

void replicated_binding_store::store_live(const registrar::binding& b, std::uint64_t key,
                                          const version& v) {
  forget(key);
  local_.put(b);
  versions_[key] = live_version{v.stamp, origin_index(v.origin)};
  digest_ += record_fingerprint(key, v, false);
}

void replicated_binding_store::store_tombstone(std::uint64_t key, tombstone t) {
  forget(key);
  local_.remove(t.aor, t.contact);
  digest_ += record_fingerprint(key, t.v, true);
  tombstones_.emplace(key, std::move(t));
}

replica_record replicated_binding_store::record_of(const registrar::binding& b,
                                                   const version& v) const {
  replica_record r;
  r.kind = record_kind::binding;
  r.v = v;
  r.expires_ms = ms(b.expires);
  r.a = b.aor;
  r.b = b.contact;
  r.proto = std::string(transport::protocol_param(b.flow.proto));
  r.address = b.flow.address.to_string();
  r.port = b.flow.port;
  r.instance = b.instance;
  r.call_id = b.call_id;
  r.cseq = b.cseq;
  return r;
}

void replicated_binding_store::put(const registrar::binding& b) {
  std::uint64_t key = record_key(record_kind::binding, b.aor, b.contact);
  auto before = held(key);
  version v{clock_.next(before ? before->stamp : 0), self_};
  store_live(b, key, v);
  if (sink_) sink_(record_of(b, v));
}

void replicated_binding_store::remove(std::string_view aor, std::string_view contact) {
  std::uint64_t key = record_key(record_kind::binding, aor, contact);
  auto before = held(key);
  // Always a tombstone, held or not: the binding may still be on its way from a peer.
  std::int64_t until = clock_.now_ms();
  for (const auto& b : local_.lookup(aor)) {
    if (b.contact == contact) until = std::max(until, ms(b.expires));
  }
  tombstone t{version{clock_.next(before ? before->stamp : 0), self_},
              until + std::chrono::milliseconds(tombstone_grace).count(), std::string(aor),
              std::string(contact)};
  replica_record r;
  r.kind = record_kind::binding;
  r.v = t.v;
  r.deleted = true;
  r.expires_ms = t.expires_ms;
  r.a = t.aor;
  r.b = t.contact;
  store_tombstone(key, std::move(t));
  if (sink_) sink_(r);
}

void replicated_binding_store::remove_all(std::string_view aor) {
  for (const auto& b : local_.lookup(aor)) remove(b.aor, b.contact);
}

std::size_t replicated_binding_store::expire(registrar::wall_clock::time_point now) {
  std::size_t n = local_.expire_with(now, [this](const registrar::binding& b) {
    std::uint64_t key = record_key(record_kind::binding, b.aor, b.contact);
    if (auto it = versions_.find(key); it != versions_.end()) {
      digest_ -= record_fingerprint(key, {it->second.stamp, origins_[it->second.origin]}, false);
      versions_.erase(it);
    }
  });
  std::int64_t now_ms = ms(now);
  for (auto it = tombstones_.begin(); it != tombstones_.end();) {
    if (it->second.expires_ms <= now_ms) {
      digest_ -= record_fingerprint(it->first, it->second.v, true);
      it = tombstones_.erase(it);
    } else {
      ++it;
    }
  }
  return n;
}

bool replicated_binding_store::apply(const replica_record& r) {
  if (r.kind != record_kind::binding) return false;
  clock_.observe(r.v.stamp);
  if (r.expires_ms <= clock_.now_ms()) return false;  // dead everywhere by now
  std::uint64_t key = record_key(r);
  if (auto before = held(key); before && !r.v.newer_than(*before)) return false;
  if (r.deleted) {
    store_tombstone(key, tombstone{r.v, r.expires_ms, r.a, r.b});
  } else {
    store_live(binding_of(r), key, r.v);
  }
  return true;
}

void replicated_binding_store::collect(
    std::uint64_t after, std::size_t n,
    std::vector<std::pair<std::uint64_t, replica_record>>& out) const {
  // The n lowest keys above `after`: one pass over the keys, then the page is built.
  std::vector<std::uint64_t> keys;
  for (const auto& [k, v] : versions_) {
    if (k > after) keys.push_back(k);
  }
  for (const auto& [k, t] : tombstones_) {
    if (k > after) keys.push_back(k);
  }
  if (keys.size() > n) {
    std::nth_element(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(n), keys.end());
    keys.resize(n);
  }
  std::sort(keys.begin(), keys.end());
  if (keys.empty()) return;
  std::uint64_t last = keys.back();
  std::size_t first = out.size();
  local_.for_each([&](const registrar::binding& b) {
    std::uint64_t k = record_key(record_kind::binding, b.aor, b.contact);
    if (k <= after || k > last) return;
    auto it = versions_.find(k);
    if (it == versions_.end()) return;
    if (!std::binary_search(keys.begin(), keys.end(), k)) return;
    out.emplace_back(k, record_of(b, version{it->second.stamp, origins_[it->second.origin]}));
  });
  for (std::uint64_t k : keys) {
    auto it = tombstones_.find(k);
    if (it == tombstones_.end()) continue;
    replica_record r;
    r.kind = record_kind::binding;
    r.v = it->second.v;
    r.deleted = true;
    r.expires_ms = it->second.expires_ms;
    r.a = it->second.aor;
    r.b = it->second.contact;
    out.emplace_back(k, std::move(r));
  }
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
}

}  // namespace sipproxy::cluster
