#include "routing/next_hop.hpp"

namespace sipproxy::routing {

std::optional<boost::asio::ip::address> host_table::find(std::string_view name) const {
  auto it = names_.find(name);
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

std::string host_table::hop_key(const sip::uri& u) {
  std::string key;
  for (char c : u.host)
    key.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  key += ":" + std::to_string(u.port) + ";" + u.transport();
  return key;
}

void host_table::cache_hops(std::string key, std::vector<transport::peer> hops,
                            clock::time_point expires) {
  if (hops.empty()) return;
  if (hops_.size() >= 10000) {
    auto now = clock::now();
    std::erase_if(hops_, [&](const auto& kv) { return kv.second.expires <= now; });
    if (hops_.size() >= 10000) return;
  }
  hops_[std::move(key)] = cached{std::move(hops), expires};
}

std::vector<transport::peer> host_table::cached_hops(std::string_view key,
                                                     clock::time_point now) const {
  auto it = hops_.find(key);
  if (it == hops_.end() || it->second.expires <= now) return {};
  return it->second.hops;
}

std::optional<transport::peer> next_hop(const sip::uri& u, const host_table& hosts) {
  transport::peer p;
  std::string t = u.transport();
  if (u.is_sips() || t == "tls") {
    // sips: is TLS whatever its transport parameter says (RFC 3261 §26.2.2, RFC 5630).
    p.proto = transport::protocol::tls;
  } else if (t == "udp") {
    p.proto = transport::protocol::udp;
  } else if (t == "tcp") {
    p.proto = transport::protocol::tcp;
  } else {
    return std::nullopt;
  }
  p.port = u.port ? u.port : (p.proto == transport::protocol::tls ? 5061 : 5060);
  if (!transport::parse_ip(u.host, p.address)) {
    auto a = hosts.find(u.host);
    if (!a) return std::nullopt;
    p.address = *a;
  }
  return p;
}

}  // namespace sipproxy::routing
