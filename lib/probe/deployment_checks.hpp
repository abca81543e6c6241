// The verdicts of `sipprobe check`, separated from the I/O that gathers their inputs:
// each function turns what DNS and the OPTIONS probes said into one OK / FAIL line.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "dns/records.hpp"
#include "probe/options_pinger.hpp"

namespace sipproxy::probe {

struct check_line {
  enum class verdict { ok, fail, skip } result = verdict::ok;
  std::string check;   // "contact-address", "internal-domain SRV", "SIP Server SIPServer_A primary"
  std::string target;  // what was asked: a name, host:port
  std::string detail;  // why, for a person
};

std::string_view to_string(check_line::verdict v);  // "OK", "FAIL", "SKIP"

// One proxy instance as the check sees it: its section, and the addresses of its host.
struct instance {
  std::string name;
  std::string host;
  std::uint16_t sip_port = 5060;
  std::vector<boost::asio::ip::address> addresses;  // host resolved (numeric: itself)
  std::string resolve_error;                        // set when the host has no address
};

// The application whose view of the deployment file to load: the first name of
// sipproxy-applications in [sipproxy], else the first section with type = sip-proxy;
// empty when there is none. A light scan: load_deployment checks everything after.
std::string deployment_app_name(std::string_view ini_text);

struct host_port {
  std::string host;  // without IPv6 brackets
  std::optional<std::uint16_t> port;
};
// "host", "host:port", "[v6]:port"; nullopt when malformed.
std::optional<host_port> split_host_port(std::string_view text);

// contact-address must resolve (by A) to the host of every instance.
check_line evaluate_contact(const std::string& contact, std::error_code error,
                            const std::vector<dns::address_record>& addresses,
                            const std::vector<instance>& instances);

// One endpoint an SRV record leads to: its target's address and the SRV port.
struct srv_endpoint {
  std::string target;
  boost::asio::ip::address address;
  std::uint16_t port = 0;
};

// The internal-domain SRV must list every instance at its sip-port.
check_line evaluate_srv(const std::string& srv_name, std::error_code error,
                        const std::vector<srv_endpoint>& endpoints,
                        const std::vector<instance>& instances);

// One OPTIONS answer: OK on 2xx; `inactive_ok`: a 503 is an answer too (a SIP Server in
// the inactive state), OK with "inactive"; anything else fails with the status or error.
check_line evaluate_ping(std::string check, std::string target, const ping_result& r,
                         bool inactive_ok);

}  // namespace sipproxy::probe
