// The fields of a SIP message that routing depends on, in one normal form that both our
// parser and libosip2 (tests/sip/osip_oracle.hpp) are read into, so that the two can be
// compared field by field (tests/sip/parser_differential.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sip/message.hpp"

namespace sipproxy::sip {

// A URI as routing reads it: "scheme:user@host:port", scheme and host lower-cased, IPv6
// brackets kept, ":port" only when written, the user with its %HH escapes decoded (RFC 3261
// §19.1.4 compares it so; libosip2 keeps it decoded). A URI of another scheme is
// "scheme:..." (the proxy does not route on it: 416). "<unparseable>" when the parser
// could not read it.
using routing_uri = std::string;

struct routing_fields {
  bool request = false;
  std::string method;       // requests
  routing_uri request_uri;  // requests
  int status = 0;           // responses

  bool has_via = false;
  std::string via_transport;  // upper-cased
  std::string via_host;       // lower-cased
  unsigned via_port = 0;      // 0 when absent
  std::string via_branch;

  bool has_from = false;
  bool has_to = false;
  std::string call_id;
  std::optional<unsigned long> cseq_number;
  std::string cseq_method;
  std::string from_tag;
  std::string to_tag;
  // The body length the message declares; without a Content-Length header, ours is the
  // body's size (the rest of the datagram). nullopt when not a number.
  std::optional<unsigned long> content_length;
  std::vector<routing_uri> routes;  // every Route entry, top first
};

// The routing fields of a message our parser accepted.
routing_fields fields_of(const message& m);

// "sip:user@host:port" from the parts; shared by both readers so that they agree on form.
routing_uri make_routing_uri(std::string scheme, std::string user, std::string host, unsigned port);

// The user part of a URI with its %HH escapes decoded; a '%' not followed by two hex
// digits stays as it is.
std::string unescape(std::string_view text);

std::string lower_ascii(std::string s);
std::string upper_ascii(std::string s);

}  // namespace sipproxy::sip
