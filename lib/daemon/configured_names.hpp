// The host names the deployment gives, resolved once before the proxy serves (blocking:
// the event loop is not running yet): through dns-server when one is set, else through the
// system resolver. Afterwards proxy::host_refresher follows them by TTL.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "dns/resolver.hpp"
#include "routing/next_hop.hpp"
#include "routing/pool_members.hpp"
#include "routing/server_table.hpp"

namespace sipproxy::daemon {

// dns-server ("ip:port") as resolver options; empty: the system's resolver.
dns::resolver_options resolver_options_of(const std::string& dns_server);

// A configured host name: through dns-server when one is set (c-ares on a short-lived
// loop), else through the system resolver (getaddrinfo, /etc/hosts too).
std::optional<boost::asio::ip::address> resolve_configured(const std::string& dns_server,
                                                           const std::string& host);

// The Via host: sip-address, else the application's host (resolved when resolve-host is
// set). Throws startup_error (40005) when resolve-host is set and the host does not resolve.
std::string via_host_of(const config::settings& s);

// The SIP Server pairs, their members resolved (a name is added to `hosts`). Throws
// startup_error (40003) when a member does not resolve.
std::vector<routing::server_pair> server_pairs_of(const config::settings& s,
                                                  routing::host_table& hosts);

// The other instances of the pool as SIP next hops: each one's host (resolved) and
// sip-port. An instance whose host does not resolve is left out (logged, 40005).
routing::pool_members pool_members_of(const config::settings& s);

// feature-server-address as members, each a UDP peer with its geo-location; an entry that
// does not resolve is left out (logged, 40005).
std::vector<routing::member> resolve_feature_servers(
    const std::vector<config::settings::feature_server_entry>& list, const std::string& dns_server);

// mgmt-address defaults to the section's host when a mgmt-token applies (else loopback):
// a host name there is resolved once, before binding and linking, for this instance and
// for its peers. Without a token and without mgmt-address, says once that instances on
// other hosts cannot link with this one. Throws startup_error (40007) when this instance's
// does not resolve.
void settle_mgmt_addresses(config::settings& s);

}  // namespace sipproxy::daemon
