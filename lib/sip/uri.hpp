// SIP and SIPS URIs (RFC 3261 §19.1): sip:user:password@host:port;params?headers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sipproxy::sip {

struct uri {
  std::string_view scheme;   // as written; compare with iequals
  std::string_view user;     // empty when absent
  std::string_view host;     // IPv6 references keep their brackets
  std::uint16_t port = 0;    // 0 when absent
  std::string_view params;   // ";a=b;lr" including the leading ';', or empty
  std::string_view headers;  // "?..." or empty

  bool is_sip() const;  // sip or sips
  bool is_sips() const;
  // The parameter's value ("" for a flag like lr), or nullopt when absent.
  std::optional<std::string_view> param(std::string_view name) const;
  // The transport parameter, lower-cased; "udp" when absent for sip, "tcp" for sips.
  std::string transport() const;
};

// The scheme of any absolute URI ("sip", "tel", "http"), or empty when none.
std::string_view uri_scheme(std::string_view text);

// Parses a sip/sips URI; nullopt when the text is not one or is malformed.
std::optional<uri> parse_uri(std::string_view text);

// Looks up `name` in a ";a=b;c" parameter list (case-insensitive names).
std::optional<std::string_view> find_param(std::string_view params, std::string_view name);

}  // namespace sipproxy::sip
