#include "cluster/replicated_session_table.hpp"

#include <algorithm>

namespace sipproxy::cluster {

replicated_session_table::replicated_session_table(std::string self, hybrid_clock& clock,
                                                   std::vector<std::string> pair_names,
                                                   std::chrono::seconds idle, std::size_t capacity)
    : self_(std::move(self)),
      clock_(clock),
      pair_names_(std::move(pair_names)),
      idle_(idle),
      capacity_(capacity) {}

replica_record replicated_session_table::record_of(const std::string& call_id,
                                                   const entry& e) const {
  replica_record r;
  r.kind = record_kind::session;
  r.v = e.v;
  r.expires_ms = e.expires_ms;
  r.a = call_id;
  r.pair = pair_names_.at(e.pair);
  return r;
}

void replicated_session_table::write(std::string_view call_id, std::size_t pair_index) {
  auto it = entries_.find(call_id);
  std::uint64_t key = record_key(record_kind::session, call_id, {});
  std::uint64_t before = 0;
  if (it != entries_.end()) {
    before = it->second.v.stamp;
    digest_ -= record_fingerprint(key, it->second.v, false);
  } else {
    if (entries_.size() >= capacity_) return;
    it = entries_.emplace(std::string(call_id), entry{}).first;
  }
  it->second =
      entry{pair_index, version{clock_.next(before), self_}, clock_.now_ms() + idle_.count()};
  digest_ += record_fingerprint(key, it->second.v, false);
  if (sink_) sink_(record_of(it->first, it->second));
}

void replicated_session_table::record(std::string_view call_id, std::size_t pair_index) {
  if (call_id.empty() || pair_index >= pair_names_.size()) return;
  auto it = entries_.find(call_id);
  // The same answer, still young: nothing new to tell anyone.
  if (it != entries_.end() && it->second.pair == pair_index &&
      it->second.expires_ms - clock_.now_ms() > idle_.count() / 2)
    return;
  write(call_id, pair_index);
}

std::optional<std::size_t> replicated_session_table::lookup(std::string_view call_id) {
  auto it = entries_.find(call_id);
  if (it == entries_.end()) return std::nullopt;
  std::int64_t left = it->second.expires_ms - clock_.now_ms();
  if (left <= 0) return std::nullopt;
  std::size_t pair = it->second.pair;
  if (left < idle_.count() / 2) write(call_id, pair);  // in use: keep it, everywhere
  return pair;
}

std::size_t replicated_session_table::expire() {
  std::int64_t now = clock_.now_ms();
  return std::erase_if(entries_, [&](const auto& kv) {
    if (kv.second.expires_ms > now) return false;
    digest_ -=
        record_fingerprint(record_key(record_kind::session, kv.first, {}), kv.second.v, false);
    return true;
  });
}

bool replicated_session_table::apply(const replica_record& r) {
  if (r.kind != record_kind::session || r.deleted) return false;
  clock_.observe(r.v.stamp);
  if (r.expires_ms <= clock_.now_ms()) return false;
  auto pair = std::find(pair_names_.begin(), pair_names_.end(), r.pair);
  if (pair == pair_names_.end()) return false;  // a pair this instance does not know
  std::uint64_t key = record_key(r);
  auto it = entries_.find(r.a);
  if (it != entries_.end()) {
    if (!r.v.newer_than(it->second.v)) return false;
    digest_ -= record_fingerprint(key, it->second.v, false);
  } else {
    if (entries_.size() >= capacity_) return false;
    it = entries_.emplace(r.a, entry{}).first;
  }
  it->second = entry{static_cast<std::size_t>(pair - pair_names_.begin()), r.v, r.expires_ms};
  digest_ += record_fingerprint(key, r.v, false);
  return true;
}

void replicated_session_table::collect(
    std::uint64_t after, std::size_t n,
    std::vector<std::pair<std::uint64_t, replica_record>>& out) const {
  std::vector<std::pair<std::uint64_t, const std::string*>> keys;
  for (const auto& [id, e] : entries_) {
    std::uint64_t k = record_key(record_kind::session, id, {});
    if (k > after) keys.emplace_back(k, &id);
  }
  auto by_key = [](const auto& x, const auto& y) { return x.first < y.first; };
  if (keys.size() > n) {
    std::nth_element(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(n), keys.end(),
                     by_key);
    keys.resize(n);
  }
  std::sort(keys.begin(), keys.end(), by_key);
  for (const auto& [k, id] : keys) out.emplace_back(k, record_of(*id, entries_.find(*id)->second));
}

}  // namespace sipproxy::cluster
