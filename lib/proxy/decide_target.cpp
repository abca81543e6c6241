#include <fmt/format.h>

#include <algorithm>

#include "log/logger.hpp"
#include "proxy/aor.hpp"
#include "proxy/options_answer.hpp"
#include "proxy/record_route_params.hpp"
#include "proxy/steps.hpp"
#include "sip/name_addr.hpp"
#include "sip/text.hpp"

namespace sipproxy::proxy {

namespace {

step_result to_member(request_context& ctx, const routing::server_pair& pair, bool in_dialog,
                      const proxy_env& env) {
  const routing::member* m =
      in_dialog ? env.servers.dialog_member(pair) : env.servers.active_member(pair);
  if (!m) {
    ctx.respond(503, "Service Unavailable (SIP Server " + pair.name + " is out of service)",
                "Retry-After: 5\r\n");
    return step_result::done;
  }
  ctx.target_pair = &pair;
  ctx.next_hop = m->address;
  return step_result::next;
}

step_result to_uri(request_context& ctx, std::string_view text, const proxy_env& env) {
  auto u = sip::parse_uri(text);
  if (!u) {
    ctx.respond(416, "Unsupported URI Scheme (next hop is not a SIP URI)");
    return step_result::done;
  }
  auto hop = routing::next_hop(*u, env.hosts);
  if (!hop) {
    std::string t = u->transport();
    if (t != "udp" && t != "tcp" && t != "tls") {
      ctx.respond(503, "Service Unavailable (transport " + t + " is not supported)");
      return step_result::done;
    }
    auto hops =
        env.hosts.cached_hops(routing::host_table::hop_key(*u), routing::host_table::clock::now());
    if (hops.empty()) {
      // A host name: the proxy resolves it (DNS) before forwarding.
      ctx.resolve_uri = std::string(text);
      return step_result::next;
    }
    hop = hops.front();
    ctx.alternatives.assign(hops.begin() + 1, hops.end());
  }
  ctx.next_hop = hop;
  ctx.target_pair = env.servers.pair_at(hop->address, hop->port);
  return step_result::next;
}

// The Call-ID an INVITE with Replaces (RFC 3891) refers to, or empty.
std::string_view replaced_call_id(const sip::message& m) {
  for (const auto& h : m.headers()) {
    if (h.id == sip::header_id::other && sip::iequals(h.name, "Replaces"))
      return sip::trim(h.value.substr(0, h.value.find(';')));
  }
  return {};
}

// The pair a related session already uses (same Call-ID, or the Call-ID it replaces),
// while that pair still has a member for dialogs.
const routing::server_pair* affine_pair(const sip::message& m, const proxy_env& env) {
  for (std::string_view id : {m.value(sip::header_id::call_id), replaced_call_id(m)}) {
    id = routing::call_session_key(id);
    if (id.empty()) continue;
    if (auto idx = env.sessions.lookup(id)) {
      const routing::server_pair* p = env.servers.by_index(*idx);
      if (p && env.servers.dialog_member(*p)) return p;
    }
  }
  return nullptr;
}

// The pair our Record-Route named: the one at its index, unless it names a pair of
// another name (the deployment renumbered its pairs, or the instance that set the dialog
// up has another deployment file), then the one of that name; nullptr when neither is
// configured here.
const routing::server_pair* recorded_pair(const request_context& ctx, const proxy_env& env) {
  const routing::server_pair* p = env.servers.by_index(*ctx.rr_server_index);
  if (p && (ctx.rr_server_name.empty() || p->name == ctx.rr_server_name)) return p;
  if (ctx.rr_server_name.empty()) return nullptr;
  return env.servers.by_name(ctx.rr_server_name);
}

// The pair that serves a DN (session_table.hpp), while it has a member for dialogs.
const routing::server_pair* dn_pair(std::string_view dn, const proxy_env& env) {
  auto idx = env.sessions.lookup(routing::dn_session_key(dn));
  const routing::server_pair* p = idx ? env.servers.by_index(*idx) : nullptr;
  return p && env.servers.dialog_member(*p) ? p : nullptr;
}

// Whether a binding held by another instance must be reached through it: its flow is a
// TCP connection, or a UDP flow whose source is not the contact (NAT: only the instance
// the endpoint talks to is let through). A plain UDP contact is reached directly.
bool needs_owner(const registrar::binding& b) {
  if (transport::is_stream(b.flow.proto)) return true;
  auto u = sip::parse_uri(b.contact);
  if (!u) return true;
  boost::asio::ip::address a;
  if (!transport::parse_ip(u->host, a)) return true;
  return transport::normalize(a) != b.flow.address || (u->port ? u->port : 5060) != b.flow.port;
}

// The next hop for a binding: its flow, or the instance of the pool that holds it.
void to_binding(request_context& ctx, const registrar::binding& b, const proxy_env& env) {
  ctx.next_hop = b.flow;
  // A request another instance sent us is never sent on to a third (no ping-pong when
  // the replicas briefly disagree about who holds a flow).
  if (ctx.from_pool_peer || b.instance.empty() || b.instance == env.settings.app) return;
  if (!needs_owner(b)) return;
  const routing::pool_member* owner = env.pool.find(b.instance);
  if (!owner) return;
  ctx.next_hop = owner->sip;
  const auto& a = owner->sip.address;
  ctx.out->insert_top(
      sip::header_id::route,
      fmt::format("<sip:{}:{};lr;{}>", a.is_v6() ? "[" + a.to_string() + "]" : a.to_string(),
                  owner->sip.port, flow_param));
}

// Towards an endpoint (a request from a SIP Server or the Feature Server): a registered
// address-of-record goes to every contact (at most max_fork_branches, the most recent
// first) in parallel (RFC 3261 §16.6), each over the flow it registered on (an in-dialog
// request, to the most recent only); a registered contact URI goes over its flow; anything
// else follows the Request-URI.
step_result to_endpoint(request_context& ctx, const proxy_env& env) {
  sip::message& out = *ctx.out;
  // Redis away: the cache may miss a deletion, so no new request is sent on its word.
  // In-dialog requests go to their remote target; the flow from the cache is only a hint.
  if (env.state.shared_storage_down && sip::tag_of(out.value(sip::header_id::to)).empty()) {
    ctx.respond(503, "Service Unavailable (registration storage unreachable)",
                "Retry-After: 5\r\n");
    return step_result::done;
  }
  auto ruri = sip::parse_uri(out.request_uri());
  if (!ruri) return to_uri(ctx, out.request_uri(), env);
  bool local = env.self.is_local(ruri->host, ruri->port);
  if (!ruri->user.empty()) {
    auto bindings = env.bindings.lookup(canonical_aor(*ruri, env.self));
    if (!bindings.empty()) {
      std::stable_sort(bindings.begin(), bindings.end(),
                       [](const auto& a, const auto& b) { return a.expires > b.expires; });
      bool fork = sip::tag_of(out.value(sip::header_id::to)).empty();
      for (std::size_t i = 1; fork && i < bindings.size() && i < max_fork_branches; ++i) {
        request_context f;
        f.out = out.derive();
        f.from_pool_peer = ctx.from_pool_peer;
        f.out->set_request_uri(bindings[i].contact);
        to_binding(f, bindings[i], env);
        ctx.forks.push_back(fork_target{std::move(f.out), *f.next_hop});
      }
      out.set_request_uri(bindings.front().contact);
      to_binding(ctx, bindings.front(), env);
      return step_result::next;
    }
    if (local) {
      ctx.respond(480, "Temporarily Unavailable (no registration for this address)");
      return step_result::done;
    }
  }
  if (auto b = env.bindings.by_contact(out.request_uri())) {
    to_binding(ctx, *b, env);
    return step_result::next;
  }
  return to_uri(ctx, out.request_uri(), env);
}

bool is_message_summary(const sip::message& m) {
  std::string_view event = m.value(sip::header_id::event);
  return sip::iequals(sip::trim(event.substr(0, event.find(';'))), "message-summary");
}

std::string from_aor(const sip::message& m, const proxy_env& env) {
  auto na = sip::parse_name_addr(m.value(sip::header_id::from));
  auto u = na ? sip::parse_uri(na->uri) : std::nullopt;
  return u ? canonical_aor(*u, env.self) : std::string();
}

// The Feature Server the target to_uri chose is, if it is one: by its resolved address
// and port, or, when a name is still to be resolved, by its configured host and port.
const routing::member* feature_server_of(const request_context& ctx, const proxy_env& env) {
  const auto& servers = env.state.feature_servers;
  if (ctx.next_hop) return servers.at(ctx.next_hop->address, ctx.next_hop->port);
  auto u = sip::parse_uri(ctx.resolve_uri);
  if (!u) return nullptr;
  for (const auto& fs : servers.all()) {
    std::string_view configured = fs.configured;
    std::string_view host = configured.substr(0, configured.rfind(':'));
    if (sip::iequals(u->host, host) && (u->port ? u->port : 5060) == fs.address.port) return &fs;
  }
  return nullptr;
}

// Whether the target to_uri chose is `configured` ("host:port" as a deployment file
// writes it): by the resolved address when it is an IP address, else by the Request-URI's
// host and port.
bool targets_configured(const request_context& ctx, std::string_view configured) {
  auto colon = configured.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view host = configured.substr(0, colon);
  unsigned port = 0;
  for (char c : configured.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return false;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (ctx.next_hop) return ctx.next_hop->address.to_string() == host && ctx.next_hop->port == port;
  auto u = sip::parse_uri(ctx.resolve_uri);
  return u && sip::iequals(u->host, host) && (u->port ? u->port : 5060) == port;
}

}  // namespace

step_result decide_target(request_context& ctx, const proxy_env& env) {
  const sip::message& out = *ctx.out;
  bool from_server = ctx.source_pair != nullptr;
  bool trusted = from_server || ctx.from_feature_server || (ctx.from_pool_peer && ctx.rr_flow);

  // Loose routing: a Route left after ours names the next hop (RFC 3261 §16.5, §16.6.6).
  if (const sip::header* route = out.first(sip::header_id::route)) {
    auto na = sip::parse_name_addr(route->value);
    if (!na) {
      ctx.respond(400, "Bad Request (malformed Route header)");
      return step_result::done;
    }
    step_result r = to_uri(ctx, na->uri, env);
    bool to_fs =
        ctx.next_hop && env.state.feature_servers.at(ctx.next_hop->address, ctx.next_hop->port);
    // An endpoint may not use the proxy to reach anything but the SIP Servers (and the
    // instances of the pool that its dialogs were record-routed through, at their SIP
    // port, never another port of their host): no open relay.
    const routing::pool_member* member = ctx.next_hop ? env.pool.at(*ctx.next_hop) : nullptr;
    bool to_pool = member && member->sip.port == ctx.next_hop->port;
    // The `flow` Route is for the instances themselves: an endpoint may not forge one.
    auto ru = sip::parse_uri(na->uri);
    bool forged_flow = to_pool && ru && ru->param(flow_param);
    if (!trusted && (forged_flow || (!ctx.target_pair && !to_fs && !to_pool))) {
      ctx.respond(403, "Forbidden (relaying to " + std::string(na->uri) + " is not allowed)");
      return step_result::done;
    }
    return r;
  }

  if (ctx.addressed_to_us && out.method() == "OPTIONS") {
    // SIP Servers ping the pool (their DN-level oos-check): say when we cannot take calls.
    if (env.state.draining) {
      ctx.respond(503, "Service Unavailable (proxy is shutting down)", "Retry-After: 5\r\n");
    } else if (env.overload.overloaded()) {
      ctx.respond(503, "Service Unavailable (overload)", "Retry-After: 1\r\n");
    } else {
      ctx.respond(200, {}, std::string(options_answer_headers));
    }
    return step_result::done;
  }

  if (trusted) {
    if (from_server && !env.settings.standalone())
      env.sessions.record(routing::call_session_key(out.value(sip::header_id::call_id)),
                          ctx.source_pair->index);
    return to_endpoint(ctx, env);
  }

  // Within a dialog with a Feature Server (re-SUBSCRIBE): its contact, which must be the
  // address and port of the Feature Server the dialog began with (a signed `fs`
  // Record-Route of one's own MWI dialog does not open a way to anywhere else, nor moves
  // the subscription to another Feature Server).
  if (ctx.rr_feature_server) {
    ctx.to_feature_server = true;
    const std::string& named = ctx.rr_feature_server_name;
    step_result r = to_uri(ctx, out.request_uri(), env);
    if (r == step_result::done) return r;
    const routing::member* fs = feature_server_of(ctx, env);
    if (fs && (named.empty() || fs->configured == named)) {
      ctx.feature_server = fs->configured;
      return r;
    }
    // A Feature Server a reload took out of feature-server-address keeps the subscriptions
    // it holds until they end (RFC 6665: a refresh goes to its notifier): the signed `fs=`
    // says this proxy sent the dialog there, so its requests may still go there, and only
    // there.
    if (!named.empty() && !env.state.feature_servers.by_configured(named) &&
        targets_configured(ctx, named)) {
      ctx.feature_server = named;
      return r;
    }
    ctx.next_hop.reset();
    ctx.resolve_uri.clear();
    ctx.alternatives.clear();
    ctx.respond(403, "Forbidden (the Feature Server dialog's target is not its Feature Server)");
    return step_result::done;
  }

  // From an endpoint. Within a dialog we record-routed: the SIP Server it was set up with.
  if (ctx.rr_server_index) {
    if (const routing::server_pair* pair = recorded_pair(ctx, env)) {
      // The member the dialog was set up with keeps it while it is not out of service,
      // inactive included (the seed's inactive state); else the pair's member for dialogs.
      const routing::member* m = ctx.rr_backup && pair->backup ? &*pair->backup : &pair->primary;
      if (m->state != routing::member_state::out_of_service) {
        ctx.target_pair = pair;
        ctx.next_hop = m->address;
        return step_result::next;
      }
      return to_member(ctx, *pair, true, env);
    }
    // That pair is gone here (the deployment changed, or this instance has another one):
    // the pair the session is stored with, else the pair that serves the DN.
    if (!env.settings.standalone()) {
      const routing::server_pair* pair = affine_pair(out, env);
      const char* how = "its session";
      if (!pair && !ctx.rr_dn.empty()) {
        pair = dn_pair(ctx.rr_dn, env);
        how = "its DN";
      }
      if (pair) {
        log::interaction(
            "{} {}: SIP Server {}{} of the dialog is not configured here; {} "
            "gives {}",
            out.method(), out.request_uri(), *ctx.rr_server_index,
            ctx.rr_server_name.empty() ? "" : " (" + ctx.rr_server_name + ")", how, pair->name);
        return to_member(ctx, *pair, true, env);
      }
      // RFC 3261 §12.2.2: no SIP Server here can hold this dialog any more.
      ctx.respond(481, "Call/Transaction Does Not Exist (the dialog's SIP Server " +
                           (ctx.rr_server_name.empty() ? std::to_string(*ctx.rr_server_index)
                                                       : ctx.rr_server_name) +
                           " is not configured and no session or DN gives another)");
      return step_result::done;
    }
  }
  bool in_dialog = !sip::tag_of(out.value(sip::header_id::to)).empty();
  // MWI (RFC 3842): a registered endpoint's message-summary SUBSCRIBE goes to the Feature
  // Server.
  if (env.state.shared_storage_down && !in_dialog && out.method() == "SUBSCRIBE" &&
      is_message_summary(out)) {
    ctx.respond(503, "Service Unavailable (registration storage unreachable)",
                "Retry-After: 5\r\n");
    return step_result::done;
  }
  if (!in_dialog && out.method() == "SUBSCRIBE" && is_message_summary(out) &&
      !env.bindings.lookup(from_aor(out, env)).empty()) {
    if (env.state.feature_servers.empty()) {
      ctx.respond(489, "Bad Event (no feature-server-address for message-summary)");
      return step_result::done;
    }
    // A live one, by the load-balancing method; never retried on another (the seed's
    // "does not support the retransmission of SUBSCRIBE messages to another destination").
    const routing::member* fs = env.state.feature_servers.pick(env.selector.method());
    if (!fs) {
      ctx.respond(503, "Service Unavailable (no Feature Server is in service)",
                  "Retry-After: 5\r\n");
      return step_result::done;
    }
    ctx.to_feature_server = true;
    ctx.feature_server = fs->configured;
    ctx.next_hop = fs->address;
    return step_result::next;
  }
  if (out.method() == "REGISTER") {
    auto na = sip::parse_name_addr(out.value(sip::header_id::to));
    if (auto u = na ? sip::parse_uri(na->uri) : std::nullopt; u && !u->user.empty())
      ctx.aor = canonical_aor(*u, env.self);
  }
  if (env.settings.standalone()) {
    const routing::server_pair* pair = env.servers.by_name(env.settings.serving_sipserver);
    ctx.retargetable = !in_dialog;
    return to_member(ctx, *pair, in_dialog, env);
  }
  // Cluster: the pair of a related session, else the load balancer's choice.
  if (const routing::server_pair* pair = affine_pair(out, env))
    return to_member(ctx, *pair, true, env);
  const routing::server_pair* pair = env.selector.pick();
  if (!pair) {
    ctx.respond(503, "Service Unavailable (no SIP Server pair is available)", "Retry-After: 5\r\n");
    return step_result::done;
  }
  ctx.retargetable = !in_dialog;
  env.sessions.record(routing::call_session_key(out.value(sip::header_id::call_id)), pair->index);
  return to_member(ctx, *pair, in_dialog, env);
}

}  // namespace sipproxy::proxy
