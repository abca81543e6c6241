#include "cluster/redis_keys.hpp"

#include <fmt/format.h>

namespace sipproxy::cluster::redis_keys {

std::string key_of(const replica_record& r) {
  if (r.kind == record_kind::binding) return fmt::format("{}b:{{{}}}:{}", prefix, r.a, r.b);
  return fmt::format("{}s:{{{}}}", prefix, r.a);
}

std::string value_of(const replica_record& r) {
  return fmt::format("{} {}\n{}", r.v.stamp, r.v.origin, to_json(r).dump());
}

std::optional<replica_record> record_of_value(std::string_view value) {
  auto nl = value.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  json j = json::parse(value.substr(nl + 1), nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  auto r = record_from_json(j);
  // The prefix must say the same version as the record, or the script would compare
  // something other than what is applied.
  if (!r || fmt::format("{} {}", r->v.stamp, r->v.origin) != value.substr(0, nl))
    return std::nullopt;
  return r;
}

std::string channel(int db) {
  return fmt::format("{}changes:{}", prefix, db);
}

unsigned cluster_slot(std::string_view key) {
  // Redis Cluster: the part between the first '{' and the next '}', when not empty.
  if (auto open = key.find('{'); open != std::string_view::npos) {
    auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1)
      key = key.substr(open + 1, close - open - 1);
  }
  std::uint16_t crc = 0;  // CRC16-CCITT (XMODEM), as the cluster specification gives it
  for (unsigned char c : key) {
    crc ^= static_cast<std::uint16_t>(c << 8);
    for (int i = 0; i < 8; ++i)
      crc = static_cast<std::uint16_t>(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  return crc & 16383;
}

const std::string_view write_script = R"lua(
local cur = redis.call('GET', KEYS[1])
if cur then
  local s, o = string.match(cur, '^(%d+) ([^\n]*)\n')
  if s then
    local held, new = tonumber(s), tonumber(ARGV[1])
    if held > new or (held == new and o >= ARGV[2]) then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[3])
return 1
)lua";

}  // namespace sipproxy::cluster::redis_keys
