// How the pool's shared state is laid out in Redis (shared-storage = redis://...).
//
//   sipproxy:b:{AOR}:CONTACT   one registration binding (or its tombstone)
//   sipproxy:s:{CALL-ID}       one session-affinity entry
//   sipproxy:changes:DB        the pub/sub channel every write is published on
//
// The braces are Redis Cluster hash tags: every key of one AOR hashes to one slot. A
// value is "STAMP ORIGIN\n" and then the record as the pool replicates it (JSON); the
// prefix is the version, which the write script compares so that an older write never
// replaces a newer one, whatever order the instances' writes arrive in. Each key expires
// by PEXPIREAT at the record's absolute expiry (a tombstone's includes the grace).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cluster/replica_record.hpp"

namespace sipproxy::cluster::redis_keys {

inline constexpr std::string_view prefix = "sipproxy:";
inline constexpr std::string_view scan_pattern = "sipproxy:[bs]:*";

std::string key_of(const replica_record& r);
std::string value_of(const replica_record& r);
// nullopt when the value is not one this layout writes.
std::optional<replica_record> record_of_value(std::string_view value);
std::string channel(int db);

// The Redis Cluster slot of a key (CRC16 of its hash tag, mod 16384).
unsigned cluster_slot(std::string_view key);

// KEYS[1] the key; ARGV: stamp, origin, value, expiry (ms since the epoch), channel.
// Writes and publishes when newer than what the key holds; returns 1 then, else 0.
extern const std::string_view write_script;

}  // namespace sipproxy::cluster::redis_keys
