// Where a SIP URI sends a request (RFC 3263 §4, numeric hosts and configured names; DNS
// look-ups of other names come with the resolver).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "sip/uri.hpp"
#include "transport/peer.hpp"

namespace sipproxy::routing {

class host_table {
 public:
  // Names resolved at startup (SIP Server hosts and the like).
  void add(const std::string& name, const boost::asio::ip::address& a) { names_[name] = a; }
  std::optional<boost::asio::ip::address> find(std::string_view name) const;

 private:
  std::map<std::string, boost::asio::ip::address, std::less<>> names_;
};

// The transport, address and port a URI designates: transport from its transport
// parameter (sips: TCP), port 5060 when absent. nullopt when the host is a name that is
// not known, or the transport is not one we speak.
std::optional<transport::peer> next_hop(const sip::uri& u, const host_table& hosts);

}  // namespace sipproxy::routing
