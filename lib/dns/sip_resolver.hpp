// RFC 3263 target resolution on the loop: performs a lookup_plan with a resolver. The
// coroutines complete on the caller's executor; failures are values (error + text).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <system_error>
#include <vector>

#include "dns/lookup_plan.hpp"
#include "dns/resolver.hpp"

namespace sipproxy::dns {

struct host_addresses {
  std::error_code error;                  // set only when neither A nor AAAA gave an address
  std::vector<address_record> addresses;  // A records first, then AAAA
};

// A and AAAA of `name` (a numeric address comes back as is, TTL 0).
boost::asio::awaitable<host_addresses> resolve_host(resolver& r, std::string name);

struct sip_resolution {
  lookup_plan plan;
  std::string srv_name;             // the SRV name that had records, or ""
  std::vector<srv_record> srv;      // its records in RFC 2782 order
  std::vector<sip_target> targets;  // where to send, in order
  std::error_code error;            // set when there is no target
  std::string error_text;           // why, for a person (names the URI and the query)
};

boost::asio::awaitable<sip_resolution> resolve_sip_uri(resolver& r, std::string uri);

}  // namespace sipproxy::dns
