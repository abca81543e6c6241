// name-addr / addr-spec values (RFC 3261 §20.10, §25): From, To, Contact, Route,
// Record-Route.
#pragma once

#include <optional>
#include <string_view>

namespace sipproxy::sip {

struct name_addr {
  std::string_view display;  // may be empty
  std::string_view uri;      // the URI text, without angle brackets
  std::string_view params;   // header parameters after the URI (";tag=..."), or empty
};

std::optional<name_addr> parse_name_addr(std::string_view value);

// The tag parameter of a From/To value, or empty.
std::string_view tag_of(std::string_view value);

}  // namespace sipproxy::sip
