// The Feature Servers (feature-server-address: one host:port, or a comma-separated list
// of them) that MWI SUBSCRIBEs go to, each with the state the OPTIONS probes give it (the
// same out-of-service detection as a SIP Server member). New subscriptions are spread
// over the live ones by the load-balancing method (the seed's "load balancing ... across
// SIP Servers and Feature Servers ... within the data center to which SIP Proxy
// belongs": those of the proxy's geo-location first, as for SIP Servers); a
// subscription's dialog stays on the one it began with, and a failed SUBSCRIBE is never
// sent to another (the seed's MWI subscription).
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "routing/pair_selector.hpp"
#include "routing/server_pair.hpp"

namespace sipproxy::routing {

class feature_servers {
 public:
  // Replaces the list (a reload changed feature-server-address); every server starts
  // active. `member::configured` is the host:port as written, which names the server in
  // the Record-Route of its dialogs.
  void assign(std::vector<member> servers);

  const std::vector<member>& all() const { return servers_; }
  std::vector<member>& all() { return servers_; }
  bool empty() const { return servers_.empty(); }

  // The server at this address and port (a message from it, or a next hop to it).
  const member* at(const boost::asio::ip::address& a, std::uint16_t port) const;
  // The server feature-server-address lists as `configured` (host:port, as written).
  const member* by_configured(std::string_view configured) const;
  // The proxy's own geo-location (empty: every server is local).
  void set_local_geo(std::string geo) { geo_ = std::move(geo); }

  // A server for a new subscription: round-robin or random over the active ones of the
  // proxy's geo-location (a server without one belongs to every location); when none of
  // them is active, over the active ones elsewhere; nullptr when none is active.
  const member* pick(balance_method method);

 private:
  std::vector<member> servers_;
  std::string geo_;
  bool using_other_locations_ = false;
  std::size_t next_ = 0;
  std::minstd_rand rng_{std::random_device{}()};
};

}  // namespace sipproxy::routing
