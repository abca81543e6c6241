#include "cluster/replica_record.hpp"

#include "cluster/byte_text.hpp"

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

// A wire-text field: as is when UTF-8, else byte for byte and named in "l".
void put_text(json& j, const char* name, const std::string& value) {
  if (valid_utf8(value)) {
    j[name] = value;
    return;
  }
  j[name] = bytes_to_utf8(value);
  j["l"].push_back(name);
}

// Maps back the fields "l" names; false when "l" is malformed or a field does not map.
bool restore_text(const json& j, replica_record& r) {
  auto it = j.find("l");
  if (it == j.end()) return true;
  if (!it->is_array()) return false;
  for (const auto& name : *it) {
    if (!name.is_string()) return false;
    const std::string& n = name.get_ref<const std::string&>();
    std::string* field = n == "a"    ? &r.a
                         : n == "c"  ? &r.b
                         : n == "h"  ? &r.address
                         : n == "i"  ? &r.instance
                         : n == "ci" ? &r.call_id
                         : n == "s"  ? &r.pair
                         : n == "o"  ? &r.v.origin
                                     : nullptr;
    if (!field) return false;
    auto bytes = utf8_to_bytes(*field);
    if (!bytes) return false;
    *field = std::move(*bytes);
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
  json j{{"k", r.kind == record_kind::binding ? "b" : "s"}, {"t", r.v.stamp}, {"x", r.expires_ms}};
  put_text(j, "o", r.v.origin);
  put_text(j, "a", r.a);
  if (r.deleted) j["d"] = true;
  if (r.kind == record_kind::binding) {
    put_text(j, "c", r.b);
    if (!r.deleted) {
      j["p"] = r.proto;
      put_text(j, "h", r.address);
      j["n"] = r.port;
      put_text(j, "i", r.instance);
      put_text(j, "ci", r.call_id);
      j["cs"] = r.cseq;
    }
  } else if (!r.deleted) {
    put_text(j, "s", r.pair);
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
            read(j, "s", r.pair) && restore_text(j, r);
  if (!ok || r.v.origin.empty() || r.a.empty()) return std::nullopt;
  if (r.kind == record_kind::binding && r.b.empty()) return std::nullopt;
  if (!r.deleted && r.kind == record_kind::binding && r.proto != "udp" && r.proto != "tcp" &&
      r.proto != "tls")
    return std::nullopt;
  if (!r.deleted && r.kind == record_kind::session && r.pair.empty()) return std::nullopt;
  return r;
}

}  // namespace sipproxy::cluster
