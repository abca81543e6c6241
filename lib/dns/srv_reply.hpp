// Parses the SRV records (with their TTLs) out of a DNS answer. c-ares 1.18's own
// ares_parse_srv_reply drops the TTL, which the deployment check and the caches need.
#pragma once

#include <system_error>
#include <vector>

#include "dns/records.hpp"

namespace sipproxy::dns {

// The SRV records of the answer section. Records of other types (a CNAME on the way)
// are skipped. ARES_ENODATA when there is none, ARES_EBADRESP when the message is
// malformed; nothing the network sends makes it read out of bounds.
std::error_code parse_srv_reply(const unsigned char* abuf, int alen, std::vector<srv_record>& out);

}  // namespace sipproxy::dns
