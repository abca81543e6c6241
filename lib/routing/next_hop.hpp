// Where a SIP URI sends a request (RFC 3263 §4) without asking DNS: numeric hosts,
// configured names, and names the proxy resolved earlier (cached by TTL). Other names are
// resolved by the proxy core through lib/dns.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sip/uri.hpp"
#include "transport/peer.hpp"

namespace sipproxy::routing {

class host_table {
 public:
  using clock = std::chrono::steady_clock;
  // Names resolved at startup (SIP Server hosts and the like): kept for good.
  void add(const std::string& name, const boost::asio::ip::address& a) { names_[name] = a; }
  std::optional<boost::asio::ip::address> find(std::string_view name) const;

  // Next hops found by DNS (RFC 3263), by the URI's host, port and transport, until their
  // TTL runs out: every target in the order to try them (§4.3). At most 10,000 entries;
  // expired ones are dropped on the way.
  static std::string hop_key(const sip::uri& u);
  void cache_hops(std::string key, std::vector<transport::peer> hops, clock::time_point expires);
  // The cached targets of `key`, first to try first; empty when none or expired.
  std::vector<transport::peer> cached_hops(std::string_view key, clock::time_point now) const;

 private:
  struct cached {
    std::vector<transport::peer> hops;
    clock::time_point expires;
  };
  std::map<std::string, boost::asio::ip::address, std::less<>> names_;
  std::map<std::string, cached, std::less<>> hops_;
};

// The transport, address and port a URI designates: transport from its transport
// parameter (sips: TCP), port 5060 when absent. nullopt when the host is a name that is
// not known, or the transport is not one we speak.
std::optional<transport::peer> next_hop(const sip::uri& u, const host_table& hosts);

}  // namespace sipproxy::routing
