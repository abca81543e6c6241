// The Via header (RFC 3261 §20.42, §18.2, RFC 3581).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sipproxy::sip {

inline constexpr std::string_view magic_cookie = "z9hG4bK";

struct via {
  std::string_view transport;  // "UDP", "TCP"... as written
  std::string_view host;       // sent-by host (IPv6 with brackets)
  std::uint16_t port = 0;      // 0 when absent
  std::string_view params;     // ";branch=...;rport" or empty

  std::string_view branch() const;
  std::optional<std::string_view> param(std::string_view name) const;
  bool rfc3261_branch() const;  // branch starts with the magic cookie
};

// Parses one Via entry ("SIP/2.0/UDP host:port;params"); nullopt when malformed.
std::optional<via> parse_via(std::string_view value);

}  // namespace sipproxy::sip

namespace sipproxy::sip {

// The Via value with RFC 3261 §18.2.1 `received` (when the source address differs from
// sent-by) and RFC 3581 `rport=PORT` (when the client asked with a bare rport) filled in.
// Returns the value unchanged when neither applies.
std::string stamp_received(std::string_view value, const via& v, std::string_view source_ip,
                           std::uint16_t source_port);

}  // namespace sipproxy::sip
