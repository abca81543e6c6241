// libosip2 as a differential oracle for our parser: the same bytes through
// osip_message_parse(), read into the routing fields our parser is read into. Linked into
// the unit tests and the parser_differential fuzz target only, never into libsipproxy
// (the hot path keeps its own zero-copy parser: ARCHITECTURE.md).
#pragma once

#include <optional>
#include <string_view>

#include "sip/routing_fields.hpp"

namespace sipproxy::sip {

// The routing fields libosip2 reads from `bytes`, or nullopt when osip_message_parse()
// refuses the message.
std::optional<routing_fields> osip_fields(std::string_view bytes);

}  // namespace sipproxy::sip
