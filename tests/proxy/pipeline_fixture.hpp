// An in-process proxy for tests and benchmarks: the objects the daemon wires together
// (daemon/startup.cpp), built from a deployment text, minus the sockets, DNS and the pool: a
// recording sender stands for the wire and a manual clock for time. `proxy_world` is what
// the request steps read (proxy_env); `pipeline` adds the transaction layer and proxy_core.
// Hosts in the deployment must be IP addresses (nothing is resolved).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/deployment_loader.hpp"
#include "dns/resolver.hpp"
#include "proxy/local_identity.hpp"
#include "proxy/overload_control.hpp"
#include "proxy/proxy_core.hpp"
#include "proxy/proxy_env.hpp"
#include "proxy/route_signer.hpp"
#include "registrar/binding_store.hpp"
#include "routing/feature_servers.hpp"
#include "routing/next_hop.hpp"
#include "routing/pair_selector.hpp"
#include "routing/pool_members.hpp"
#include "routing/server_table.hpp"
#include "routing/session_table.hpp"
#include "transport/sender.hpp"
#include "txn/manual_clock.hpp"
#include "txn/timer_queue.hpp"
#include "txn/transaction_layer.hpp"

namespace sipproxy::proxy::test {

inline transport::peer peer_at(std::string_view ip, std::uint16_t port,
                               transport::protocol proto = transport::protocol::udp) {
  transport::peer p;
  p.proto = proto;
  p.address = transport::normalize(boost::asio::ip::make_address(std::string(ip)));
  p.port = port;
  return p;
}

// What would have gone on the wire, in order.
struct recording_sender : transport::sender {
  struct record {
    transport::peer to;
    std::string bytes;
  };
  std::vector<record> sent;

  bool send(const transport::peer& to, std::string_view bytes) override {
    sent.push_back(record{to, std::string(bytes)});
    return true;
  }
  // The last message sent whose first line starts with `start` ("INVITE ", "SIP/2.0 200").
  const record* last(std::string_view start) const {
    for (auto it = sent.rbegin(); it != sent.rend(); ++it)
      if (std::string_view(it->bytes).substr(0, start.size()) == start) return &*it;
    return nullptr;
  }
  // How many messages sent start with `start`.
  std::size_t count(std::string_view start) const {
    std::size_t n = 0;
    for (const auto& r : sent) n += std::string_view(r.bytes).substr(0, start.size()) == start;
    return n;
  }
};

// The header lines of `msg` named `name` (full form, as the proxy writes them).
inline std::vector<std::string_view> lines_named(std::string_view msg, std::string_view name) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at < msg.size()) {
    std::size_t end = msg.find("\r\n", at);
    if (end == std::string_view::npos || end == at) break;
    std::string_view line = msg.substr(at, end - at);
    if (line.size() > name.size() && line.substr(0, name.size()) == name &&
        line[name.size()] == ':')
      out.push_back(line);
    at = end + 2;
  }
  return out;
}

// What a UAS answers to `request` (as the proxy sent it): its Via, From, To, Call-ID, CSeq
// and Record-Route; with `dialog`, a To tag and `contact`.
inline std::string response_to(std::string_view request, int code, std::string_view reason,
                               bool dialog, std::string_view contact = "sip:bench@127.0.0.1:5070") {
  std::string out = "SIP/2.0 " + std::to_string(code) + " " + std::string(reason) + "\r\n";
  for (auto name : {"Via", "From", "To", "Call-ID", "CSeq", "Record-Route"}) {
    for (auto line : lines_named(request, name)) {
      out.append(line);
      if (dialog && std::string_view(name) == "To" && line.find(";tag=") == line.npos)
        out.append(";tag=uas");
      out.append("\r\n");
    }
  }
  if (dialog) out.append("Contact: <").append(contact).append(">\r\n");
  out.append("Content-Length: 0\r\n\r\n");
  return out;
}

// A SIP Server member of the deployment, as daemon/startup.cpp makes it (the host an address).
inline routing::member member_of(const config::server_address& a) {
  routing::member m;
  m.configured = a.host + ":" + std::to_string(a.port);
  m.address = peer_at(a.host, a.port, a.tcp ? transport::protocol::tcp : transport::protocol::udp);
  return m;
}

inline std::vector<routing::server_pair> pairs_of(const config::settings& s) {
  std::vector<routing::server_pair> pairs;
  for (const auto& app : s.servers) {
    routing::server_pair p;
    p.name = app.name;
    p.geo_location = app.geo_location;
    p.primary = member_of(app.primary);
    if (app.backup) p.backup = member_of(*app.backup);
    pairs.push_back(std::move(p));
  }
  return pairs;
}

// The other instances of sipproxy-applications, at their host and SIP port (UDP).
inline routing::pool_members pool_of(const config::settings& s) {
  std::vector<routing::pool_member> out;
  for (const auto& name : s.sipproxy_applications) {
    for (const auto& p : s.proxies) {
      if (p.name == name && name != s.app)
        out.push_back(routing::pool_member{name, peer_at(p.host, p.sip_port)});
    }
  }
  return routing::pool_members(std::move(out));
}

struct proxy_world {
  explicit proxy_world(std::string_view deployment, std::string_view app = "SIPProxy_1")
      : settings(
            config::load_deployment_text(std::string(deployment), "test.conf", std::string(app))),
        self(settings, settings.self.host, {boost::asio::ip::make_address(settings.self.host)}),
        servers(pairs_of(settings)),
        selector(servers, settings.geo_location),
        pool(pool_of(settings)) {
    std::vector<routing::member> fs;
    for (const auto& entry : settings.feature_servers) {
      const std::string& configured = entry.address;
      routing::member m;
      m.configured = configured;
      m.geo_location = entry.geo_location;
      auto colon = configured.rfind(':');
      m.address = peer_at(configured.substr(0, colon),
                          static_cast<std::uint16_t>(std::stoi(configured.substr(colon + 1))));
      fs.push_back(std::move(m));
    }
    state.feature_servers.assign(std::move(fs));
  }

  proxy_env env() {
    return proxy_env{settings, self,  servers,  hosts, overload, selector,
                     sessions, state, bindings, pool,  routes};
  }

  config::settings settings;
  local_identity self;
  routing::host_table hosts;
  routing::server_table servers;
  overload_control overload;
  routing::pair_selector selector;
  routing::memory_session_table sessions;
  runtime_state state;
  registrar::memory_binding_store bindings;
  routing::pool_members pool;
  route_signer routes{txn::siphash_key{1, 2}};
};

struct pipeline : proxy_world {
  // `resolver` (may be null: no name resolves) answers the core's DNS questions.
  pipeline(std::string_view deployment, recording_sender& w, dns::resolver* resolver = nullptr,
           std::string_view app = "SIPProxy_1")
      : proxy_world(deployment, app), wire(w), core(layer, env(), nullptr, resolver) {
    layer.set_user(core);
  }

  // One message from `from`, as the transport would hand it over.
  void deliver(std::string bytes, const transport::peer& from) {
    layer.on_message(std::move(bytes), from);
  }
  // Moves the manual clock forward by `d`, firing every timer on the way at its own
  // deadline.
  void advance(txn::timer_queue::duration d) { txn::test::advance_clock(timers, now, d); }

  txn::timer_queue::time_point now{};
  txn::timer_queue timers{[this] { return now; }};
  recording_sender& wire;
  txn::transaction_layer layer{wire, timers};
  proxy_core core;
};

}  // namespace sipproxy::proxy::test
