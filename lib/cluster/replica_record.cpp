#include "cluster/replica_record.hpp"

namespace sipproxy::cluster {

namespace {

constexpr std::uint64_t fnv_offset = 14695981039346656037ull;
constexpr std::uint64_t fnv_prime = 1099511628211ull;

std::uint64_t fnv(std::uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= fnv_prime;
  }
  return h;
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

template <typename T>
bool read(const json& j, const char* name, T& out) {
  auto it = j.find(name);
  if (it == j.end()) return true;  // optional field
  try {
    out = it->get<T>();
  } catch (const json::exception&) {
    return false;
  }
  return true;
}

}  // namespace

std::uint64_t record_key(record_kind kind, std::string_view a, std::string_view b) {
  std::uint64_t h = fnv(fnv_offset, kind == record_kind::binding ? "b\n" : "s\n");
  h = fnv(h, a);
  h = fnv(h, "\n");
  return mix(fnv(h, b));
}

std::uint64_t record_fingerprint(std::uint64_t key, const version& v, bool deleted) {
  std::uint64_t h = fnv(fnv_offset ^ key, v.origin);
  return mix(h ^ mix(v.stamp) ^ (deleted ? 0x9e3779b97f4a7c15ull : 0));
}

json to_json(const replica_record& r) {
  json j{{"k", r.kind == record_kind::binding ? "b" : "s"},
         {"t", r.v.stamp},
         {"o", r.v.origin},
         {"x", r.expires_ms},
         {"a", r.a}};
  if (r.deleted) j["d"] = true;
  if (r.kind == record_kind::binding) {
    j["c"] = r.b;
    if (!r.deleted) {
      j["p"] = r.proto;
      j["h"] = r.address;
      j["n"] = r.port;
      j["i"] = r.instance;
      j["ci"] = r.call_id;
      j["cs"] = r.cseq;
    }
  } else if (!r.deleted) {
    j["s"] = r.pair;
  }
  return j;
}

std::optional<replica_record> record_from_json(const json& j) {
  if (!j.is_object()) return std::nullopt;
  replica_record r;
  std::string kind;
  if (!read(j, "k", kind) || (kind != "b" && kind != "s")) return std::nullopt;
  r.kind = kind == "b" ? record_kind::binding : record_kind::session;
  bool ok = read(j, "t", r.v.stamp) && read(j, "o", r.v.origin) && read(j, "x", r.expires_ms) &&
            read(j, "a", r.a) && read(j, "d", r.deleted) && read(j, "c", r.b) &&
            read(j, "p", r.proto) && read(j, "h", r.address) && read(j, "n", r.port) &&
            read(j, "i", r.instance) && read(j, "ci", r.call_id) && read(j, "cs", r.cseq) &&
            read(j, "s", r.pair);
  if (!ok || r.v.origin.empty() || r.a.empty()) return std::nullopt;
  if (r.kind == record_kind::binding && r.b.empty()) return std::nullopt;
  if (!r.deleted && r.kind == record_kind::binding && r.proto != "udp" && r.proto != "tcp")
    return std::nullopt;
  if (!r.deleted && r.kind == record_kind::session && r.pair.empty()) return std::nullopt;
  return r;
}

}  // namespace sipproxy::cluster
