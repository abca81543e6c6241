// One replicated entry of the pool's shared state (registration bindings and session
// affinity), as it travels between instances. Every record carries its version: a
// hybrid-clock stamp and the instance that wrote it, so that every replica keeps the
// same winner whatever order the records arrive in; a deletion is a record too (a
// tombstone) until its absolute expiry, so a late copy of what it deleted cannot
// bring it back.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sipproxy::cluster {

using json = nlohmann::json;

enum class record_kind : std::uint8_t { binding, session };

struct version {
  std::uint64_t stamp = 0;  // hybrid_clock milliseconds
  std::string origin;       // the proxy application that wrote it

  // Total order: later stamp wins, the origin name breaks ties.
  bool newer_than(const version& o) const {
    return stamp != o.stamp ? stamp > o.stamp : origin > o.origin;
  }
  bool operator==(const version&) const = default;
};

struct replica_record {
  record_kind kind = record_kind::binding;
  version v;
  bool deleted = false;
  std::int64_t expires_ms = 0;  // absolute wall-clock time (ms since the epoch)
  // binding: the address-of-record and the contact URI; session: the Call-ID and "".
  std::string a;
  std::string b;
  // binding only: the flow and who holds it.
  std::string proto;  // "udp" / "tcp"
  std::string address;
  std::uint16_t port = 0;
  std::string instance;
  std::string call_id;
  std::uint32_t cseq = 0;
  // session only: the SIP Server pair, by application name.
  std::string pair;
};

// The identity of what a record describes (kind, a, b): 64 bits, the order of paging.
std::uint64_t record_key(record_kind kind, std::string_view a, std::string_view b);
inline std::uint64_t record_key(const replica_record& r) {
  return record_key(r.kind, r.a, r.b);
}

// What the digest sums for one record: its key, version and whether it is deleted.
std::uint64_t record_fingerprint(std::uint64_t key, const version& v, bool deleted);

json to_json(const replica_record& r);
// nullopt when the object is not a well-formed record.
std::optional<replica_record> record_from_json(const json& j);

}  // namespace sipproxy::cluster
