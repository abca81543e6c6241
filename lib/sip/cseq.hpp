// The CSeq header (RFC 3261 §20.16): a sequence number and a method.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sipproxy::sip {

struct cseq {
  std::uint32_t number = 0;
  std::string_view method;
};

// Parses "4711 INVITE"; nullopt when malformed or the number exceeds 2^31-1.
std::optional<cseq> parse_cseq(std::string_view value);

// Parses a non-negative decimal (Max-Forwards, Content-Length, Expires); nullopt on
// anything else, including overflow past `max`.
std::optional<std::uint32_t> parse_uint(std::string_view text, std::uint32_t max);

}  // namespace sipproxy::sip
