// Header names the proxy acts on, with RFC 3261 §7.3.3 compact forms.
#pragma once

#include <string_view>

namespace sipproxy::sip {

enum class header_id {
  other,
  via,
  route,
  record_route,
  max_forwards,
  call_id,
  cseq,
  from,
  to,
  contact,
  content_length,
  content_type,
  proxy_require,
  require,
  supported,
  unsupported,
  proxy_authorization,
  event,
  expires,
  allow,
  retry_after,
};

// The header a (case-insensitive, possibly compact) field name denotes.
header_id lookup_header(std::string_view name);

// The canonical spelling of a known header ("Via", "Call-ID"...).
std::string_view canonical_name(header_id id);

// ASCII case-insensitive equality, as SIP tokens compare.
bool iequals(std::string_view a, std::string_view b);

// Whether a header's value may hold several comma-separated entries that the proxy
// must address one by one (Via, Route, Record-Route).
bool is_split_list(header_id id);

}  // namespace sipproxy::sip
