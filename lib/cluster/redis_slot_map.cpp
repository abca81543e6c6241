#include "cluster/redis_slot_map.hpp"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <algorithm>

namespace sipproxy::cluster {

std::optional<std::vector<slot_range>> parse_cluster_slots(const redisReply* r) {
  // [[first, last, [ip, port, id, ...], replica...], ...]
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0) return std::nullopt;
  std::vector<slot_range> out;
  for (std::size_t i = 0; i < r->elements; ++i) {
    const redisReply* e = r->element[i];
    if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
        e->element[0]->type != REDIS_REPLY_INTEGER || e->element[1]->type != REDIS_REPLY_INTEGER)
      return std::nullopt;
    const redisReply* m = e->element[2];
    if (m->type != REDIS_REPLY_ARRAY || m->elements < 2 ||
        m->element[0]->type != REDIS_REPLY_STRING || m->element[1]->type != REDIS_REPLY_INTEGER)
      return std::nullopt;
    long long first = e->element[0]->integer, last = e->element[1]->integer;
    long long port = m->element[1]->integer;
    if (first < 0 || last < first || last >= cluster_slots || port <= 0 || port > 65535)
      return std::nullopt;
    std::string host(m->element[0]->str, m->element[0]->len);
    if (host.empty()) return std::nullopt;  // "": the node does not know its address
    out.push_back({static_cast<unsigned>(first),
                   static_cast<unsigned>(last),
                   {host, static_cast<std::uint16_t>(port)}});
  }
  return out;
}

std::uint16_t redis_slot_map::index_of(const config::redis_address& a) {
  auto it = std::find(masters_.begin(), masters_.end(), a);
  if (it != masters_.end()) return static_cast<std::uint16_t>(it - masters_.begin());
  masters_.push_back(a);
  return static_cast<std::uint16_t>(masters_.size() - 1);
}

void redis_slot_map::assign(const std::vector<slot_range>& ranges) {
  clear();
  for (const auto& r : ranges) {
    std::uint16_t i = index_of(r.master);
    for (unsigned s = r.first; s <= r.last; ++s) owner_[s] = i;
  }
}

void redis_slot_map::move(unsigned slot, const config::redis_address& to) {
  if (slot >= cluster_slots) return;
  owner_[slot] = index_of(to);
  drop_unused();
}

void redis_slot_map::drop_unused() {
  std::vector<std::size_t> count(masters_.size(), 0);
  for (auto o : owner_)
    if (o != none) ++count[o];
  if (std::all_of(count.begin(), count.end(), [](std::size_t c) { return c > 0; })) return;
  std::vector<std::uint16_t> renumber(masters_.size(), none);
  std::vector<config::redis_address> kept;
  for (std::size_t i = 0; i < masters_.size(); ++i) {
    if (!count[i]) continue;
    renumber[i] = static_cast<std::uint16_t>(kept.size());
    kept.push_back(masters_[i]);
  }
  for (auto& o : owner_)
    if (o != none) o = renumber[o];
  masters_ = std::move(kept);
}

const config::redis_address* redis_slot_map::owner(unsigned slot) const {
  if (slot >= cluster_slots || owner_[slot] == none) return nullptr;
  return &masters_[owner_[slot]];
}

std::size_t redis_slot_map::slots_of(const config::redis_address& m) const {
  auto it = std::find(masters_.begin(), masters_.end(), m);
  if (it == masters_.end()) return 0;
  auto i = static_cast<std::uint16_t>(it - masters_.begin());
  return static_cast<std::size_t>(std::count(owner_.begin(), owner_.end(), i));
}

void redis_slot_map::clear() {
  owner_.fill(none);
  masters_.clear();
}

std::string redis_slot_map::ranges_of(const config::redis_address& m) const {
  auto it = std::find(masters_.begin(), masters_.end(), m);
  if (it == masters_.end()) return {};
  auto i = static_cast<std::uint16_t>(it - masters_.begin());
  std::string out;
  for (unsigned s = 0; s < cluster_slots; ++s) {
    if (owner_[s] != i) continue;
    unsigned e = s;
    while (e + 1 < cluster_slots && owner_[e + 1] == i) ++e;
    out += (out.empty() ? "" : ",") + (s == e ? std::to_string(s) : fmt::format("{}-{}", s, e));
    s = e;
  }
  return out;
}

}  // namespace sipproxy::cluster
