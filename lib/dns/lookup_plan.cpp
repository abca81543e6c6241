#include "dns/lookup_plan.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>

#include "sip/header_id.hpp"
#include "sip/uri.hpp"

namespace sipproxy::dns {

std::string_view to_string(sip_transport t) {
  switch (t) {
    case sip_transport::udp:
      return "UDP";
    case sip_transport::tcp:
      return "TCP";
    case sip_transport::tls:
      return "TLS";
  }
  return "UDP";
}

std::uint16_t default_port(sip_transport t) {
  return t == sip_transport::tls ? 5061 : 5060;
}

plan_result plan_lookup(std::string_view uri_text) {
  plan_result out;
  std::string text(uri_text);
  // A bare "host[:port]" is taken as sip:; "proxy.test:5060" looks like a scheme too.
  auto scheme = sip::uri_scheme(text);
  if (!sip::iequals(scheme, "sip") && !sip::iequals(scheme, "sips")) {
    std::string_view rest = std::string_view(text).substr(scheme.size());
    if (!rest.empty()) rest.remove_prefix(1);
    rest = rest.substr(0, rest.find(';'));
    bool port_only = !rest.empty() && rest.find_first_not_of("0123456789") == std::string::npos;
    if (scheme.empty() || port_only) text = "sip:" + text;
  }
  auto u = sip::parse_uri(text);
  if (!u || !u->is_sip()) {
    out.error = "not a sip: or sips: URI: '" + std::string(uri_text) + "'";
    return out;
  }
  lookup_plan& p = out.plan;
  std::string_view host = u->host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) {
    out.error = "the URI has no host: '" + std::string(uri_text) + "'";
    return out;
  }
  p.host = std::string(host);
  while (!p.host.empty() && p.host.back() == '.') p.host.pop_back();

  const bool sips = u->is_sips();
  auto param = u->param("transport");
  p.transport_given = param.has_value();
  if (param) {
    if (sip::iequals(*param, "udp")) {
      p.transport = sip_transport::udp;
    } else if (sip::iequals(*param, "tcp")) {
      p.transport = sip_transport::tcp;
    } else if (sip::iequals(*param, "tls")) {
      p.transport = sip_transport::tls;
    } else {
      out.error = "unsupported transport '" + std::string(*param) + "' (udp, tcp or tls)";
      return out;
    }
    if (sips && p.transport == sip_transport::udp) {
      out.error = "sips: over UDP is not possible (RFC 3261 §26.2)";
      return out;
    }
    if (sips) p.transport = sip_transport::tls;
  } else {
    p.transport = sips ? sip_transport::tls : sip_transport::udp;
  }
  p.port_given = u->port != 0;
  p.port = p.port_given ? u->port : default_port(p.transport);

  boost::system::error_code ec;
  boost::asio::ip::make_address(p.host, ec);
  if (!ec) {
    p.what = lookup_plan::kind::numeric;
    return out;
  }
  if (p.port_given) {
    p.what = lookup_plan::kind::address;
    return out;
  }
  p.what = lookup_plan::kind::srv;
  if (sips) {
    p.srv.push_back({"_sips._tcp." + p.host, sip_transport::tls});
  } else if (p.transport_given) {
    std::string proto = p.transport == sip_transport::udp   ? "_sip._udp."
                        : p.transport == sip_transport::tcp ? "_sip._tcp."
                                                            : "_sips._tcp.";
    p.srv.push_back({proto + p.host, p.transport});
  } else {
    p.srv.push_back({"_sip._udp." + p.host, sip_transport::udp});
    p.srv.push_back({"_sip._tcp." + p.host, sip_transport::tcp});
  }
  return out;
}

std::vector<sip_target> targets_from_srv(const srv_record& srv,
                                         const std::vector<address_record>& addresses,
                                         sip_transport transport) {
  std::vector<sip_target> out;
  for (const auto& a : addresses)
    out.push_back({a.address, srv.port, transport, std::min(srv.ttl, a.ttl), srv.target, true});
  return out;
}

std::vector<sip_target> targets_from_host(const lookup_plan& plan,
                                          const std::vector<address_record>& addresses) {
  std::vector<sip_target> out;
  for (const auto& a : addresses)
    out.push_back({a.address, plan.port, plan.transport, a.ttl, plan.host, false});
  return out;
}

}  // namespace sipproxy::dns
