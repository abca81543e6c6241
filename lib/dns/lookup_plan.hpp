// RFC 3263 §4 for a SIP URI, the pure part: which DNS questions to ask, in which order,
// and what the answers turn into. No I/O; sip_resolver performs the plan.
//
//   numeric host (IPv4, [IPv6])      -> the address as is, port or the default
//   port given                       -> A/AAAA of the host, that port
//   no port                          -> SRV _sip._udp / _sip._tcp / _sips._tcp of the host
//                                       (the transport parameter picks one; without it,
//                                       UDP then TCP for sip:, TCP for sips:), each target
//                                       by A/AAAA at the SRV port; no SRV record at all
//                                       -> A/AAAA of the host at the default port
// NAPTR (RFC 3263 §4.1) is not asked.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/records.hpp"

namespace sipproxy::dns {

enum class sip_transport { udp, tcp, tls };

std::string_view to_string(sip_transport t);  // "UDP", "TCP", "TLS"

struct srv_question {
  std::string name;  // "_sip._udp.example.com"
  sip_transport transport;
};

struct lookup_plan {
  enum class kind { numeric, address, srv } what = kind::numeric;
  std::string host;         // without IPv6 brackets
  std::uint16_t port = 0;   // the URI's port, or the default for the transport
  bool port_given = false;  // the URI had one
  sip_transport transport = sip_transport::udp;
  bool transport_given = false;   // the URI had a transport parameter
  std::vector<srv_question> srv;  // what = srv: asked in this order, first with records wins
};

struct plan_result {
  lookup_plan plan;
  std::string error;  // non-empty: the URI cannot be resolved (not sip/sips, bad transport)
};

// Plans the lookups for "sip:host[:port][;transport=...]" (also sips:, and a bare
// "host[:port]" taken as sip:).
plan_result plan_lookup(std::string_view uri_text);

// One place to send the request.
struct sip_target {
  boost::asio::ip::address address;
  std::uint16_t port = 0;
  sip_transport transport = sip_transport::udp;
  std::uint32_t ttl = 0;  // the smallest TTL of the records that led here
  std::string name;       // the host name whose A/AAAA gave the address ("" when numeric)
  bool from_srv = false;

  friend bool operator==(const sip_target&, const sip_target&) = default;
};

// The target list from one SRV target's addresses: every address at the SRV port,
// TTL the smaller of the SRV's and the address record's.
std::vector<sip_target> targets_from_srv(const srv_record& srv,
                                         const std::vector<address_record>& addresses,
                                         sip_transport transport);

// The target list from the host's own addresses at the planned port.
std::vector<sip_target> targets_from_host(const lookup_plan& plan,
                                          const std::vector<address_record>& addresses);

// The default port of a transport: 5061 for TLS, 5060 otherwise.
std::uint16_t default_port(sip_transport t);

}  // namespace sipproxy::dns
