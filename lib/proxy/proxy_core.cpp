#include "proxy/proxy_core.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>

#include "dns/resolver.hpp"
#include "dns/sip_resolver.hpp"
#include "health/health_prober.hpp"
#include "log/logger.hpp"
#include "proxy/branch.hpp"
#include "proxy/forward_edits.hpp"
#include "proxy/steps.hpp"
#include "sip/cseq.hpp"
#include "sip/name_addr.hpp"
#include "sip/response_builder.hpp"
#include "sip/via.hpp"
#include "txn/transaction_layer.hpp"

namespace sipproxy::proxy {

void proxy_counters::observe_latency(double seconds) {
  std::size_t i = 0;
  while (i < std::size(latency_bounds) && seconds > latency_bounds[i]) ++i;
  ++latency_buckets[i];
  latency_sum += seconds;
  ++latency_count;
}

void proxy_counters::observe_confirm_wait(double seconds) {
  std::size_t i = 0;
  while (i < std::size(confirm_bounds) && seconds > confirm_bounds[i]) ++i;
  ++confirm_buckets[i];
  confirm_sum += seconds;
}

proxy_core::proxy_core(txn::transaction_layer& layer, proxy_env env, health::health_prober* prober,
                       dns::resolver* resolver)
    : layer_(layer),
      env_(std::move(env)),
      prober_(prober),
      resolver_(resolver),
      registrar_(env_.bindings, env_.settings.app) {}

std::string proxy_core::local_tag(txn::txn_id server) const {
  return fmt::format("sp{:x}", server * 2654435761u);
}

void proxy_core::answer(const request_context& ctx) {
  ++counters_.answered_locally;
  log::interaction("{} {} from {}: answered {} {}", ctx.in->method(), ctx.in->request_uri(),
                   ctx.from, ctx.status,
                   ctx.reason.empty() ? sip::default_reason(ctx.status) : ctx.reason);
  layer_.respond(ctx.server, ctx.status,
                 sip::build_response(*ctx.in, ctx.status, ctx.reason, local_tag(ctx.server),
                                     ctx.extra_headers));
}

void proxy_core::on_request(txn::txn_id server, const sip::message_ptr& request,
                            const transport::peer& from) {
  ++counters_.requests;
  request_context ctx;
  ctx.in = request;
  ctx.out = request->derive();
  ctx.from = from;
  ctx.server = server;
  if (env_.state.draining && sip::tag_of(request->value(sip::header_id::to)).empty() &&
      request->method() != "OPTIONS") {
    ctx.respond(503, "Service Unavailable (proxy is shutting down)", "Retry-After: 5\r\n");
    answer(ctx);
    return;
  }
  step_result r = run_request_path(ctx, env_);
  account(ctx);
  go_on(ctx, r);
}

void proxy_core::go_on(request_context& ctx, step_result r) {
  bool ack = ctx.server == 0;
  switch (r) {
    case step_result::done:
      if (ack) {
        log::interaction("ACK from {} dropped: {} {}", ctx.from, ctx.status, ctx.reason);
      } else {
        answer(ctx);
      }
      return;
    case step_result::waiting:
      if (!ack && ctx.in->method() == "INVITE" && !ctx.trying_sent) {
        layer_.respond(ctx.server, 100, sip::build_response(*ctx.in, 100));
        ctx.trying_sent = true;
      }
      resolve(std::move(ctx));
      return;
    default:
      if (ack) {
        relay_ack(ctx);
      } else {
        forward(ctx);
      }
  }
}

void proxy_core::resolve(request_context ctx) {
  if (!resolver_) {
    ctx.resolved.emplace();  // nothing resolves: resolve_next_hop answers 503
    go_on(ctx, run_request_path(ctx, env_));
    return;
  }
  std::string uri = ctx.resolve_uri;
  auto pending = std::make_shared<request_context>(std::move(ctx));
  boost::asio::co_spawn(
      resolver_->get_executor(), dns::resolve_sip_uri(*resolver_, uri),
      [this, pending, uri](std::exception_ptr e, dns::sip_resolution r) {
        request_context& c = *pending;
        std::vector<transport::peer>& hops = c.resolved.emplace();
        if (e || r.targets.empty()) {
          log::interaction("{} {}: cannot resolve {}: {}", c.in->method(), c.in->request_uri(), uri,
                           e ? "internal error" : r.error_text);
        } else {
          // Every target, in the order RFC 3263 §4.3 tries them; cached for the least TTL.
          std::uint32_t ttl = r.targets.front().ttl;
          for (const dns::sip_target& t : r.targets) {
            transport::peer hop;
            hop.proto = t.transport == dns::sip_transport::tls   ? transport::protocol::tls
                        : t.transport == dns::sip_transport::tcp ? transport::protocol::tcp
                                                                 : transport::protocol::udp;
            hop.address = transport::normalize(t.address);
            hop.port = t.port;
            hops.push_back(hop);
            ttl = std::min(ttl, t.ttl);
          }
          if (auto u = sip::parse_uri(uri)) {
            env_.hosts.cache_hops(routing::host_table::hop_key(*u), hops,
                                  routing::host_table::clock::now() +
                                      std::chrono::seconds(std::max<std::uint32_t>(ttl, 1)));
          }
        }
        go_on(c, run_request_path(c, env_));
      });
}

void proxy_core::forward(request_context& ctx) {
  if (ctx.out->method() == "INVITE" && !ctx.trying_sent)
    layer_.respond(ctx.server, 100, sip::build_response(*ctx.in, 100));
  decrement_max_forwards(*ctx.out);
  response_context& rc = contexts_[ctx.server];
  rc.server = ctx.server;
  rc.request = ctx.in;
  rc.invite = ctx.in->method() == "INVITE";
  if (ctx.out->method() == "REGISTER" && !ctx.aor.empty()) {
    // registrar-default-timeout: the lesser of it and the client's expiry goes to the SIP
    // Server (and, below, back to the endpoint in the 200 OK).
    registrar::cap_expires(*ctx.out,
                           static_cast<std::uint32_t>(env_.settings.registrar_default_timeout));
    rc.registration = registration_state{ctx.aor, ctx.from, ctx.out->derive()};
  }
  if (ctx.retargetable || !ctx.alternatives.empty()) {
    retry_state& r = rc.retry.emplace();
    r.base = ctx.out->derive();
    r.from = ctx.from;
    r.choose_servers = ctx.retargetable;
    r.alternatives = std::move(ctx.alternatives);
    if (ctx.source_pair) r.source_pair = ctx.source_pair->index;
    r.from_feature_server = ctx.from_feature_server;
    r.to_feature_server = ctx.to_feature_server;
    r.feature_server = ctx.feature_server;
  }
  std::vector<fork_target> forks = std::move(ctx.forks);
  if (!send_branch(rc, ctx)) {
    contexts_.erase(ctx.server);
    ctx.respond(500, "Server Internal Error (could not build the forwarded request)");
    answer(ctx);
    return;
  }
  // RFC 3261 §16.6: the other contacts of the address-of-record, in parallel.
  for (fork_target& f : forks) {
    request_context branch = ctx;
    branch.out = std::move(f.out);
    branch.next_hop = f.hop;
    branch.alternatives.clear();
    decrement_max_forwards(*branch.out);
    if (!send_branch(rc, branch))
      log::interaction("{} {}: could not fork to {}", ctx.in->method(), ctx.in->request_uri(),
                       f.hop);
  }
}

void proxy_core::note_dialog(const response_context& rc, const sip::message& response) {
  std::string_view method = rc.request->method();
  if (method != "INVITE" && method != "BYE") return;
  std::string_view from_tag = sip::tag_of(rc.request->value(sip::header_id::from));
  std::string_view request_to_tag = sip::tag_of(rc.request->value(sip::header_id::to));
  std::string_view call_id = rc.request->value(sip::header_id::call_id);
  if (method == "BYE") {
    dialogs_.ended(dialog_table::key(call_id, from_tag, request_to_tag));
  } else if (request_to_tag.empty()) {
    dialogs_.established(
        dialog_table::key(call_id, from_tag, sip::tag_of(response.value(sip::header_id::to))),
        rc.pair, dialog_table::clock::now());
  }
}

bool proxy_core::send_branch(response_context& rc, request_context& ctx) {
  sip::message& out = *ctx.out;
  if (creates_dialog(out)) add_record_route(ctx, env_);
  apply_strict_route(out);
  add_via(out, env_, ctx.next_hop->proto,
          stateful_branch(loop_hash(*ctx.in), branch_nonce_.next()));
  txn::txn_id client = layer_.create_request(ctx.out, *ctx.next_hop);
  if (client == 0) return false;
  rc.branches.push_back(branch_state{client, 0, nullptr, *ctx.next_hop, false});
  if (ctx.target_pair) {
    rc.pair = ctx.target_pair->index;
  } else if (ctx.source_pair) {
    rc.pair = ctx.source_pair->index;
  }
  if (rc.retry) rc.retry->tried.push_back(*ctx.next_hop);
  client_to_server_[client] = ctx.server;
  ++counters_.forwarded;
  log::interaction("{} {} from {} forwarded to {}", out.method(), out.request_uri(), ctx.from,
                   *ctx.next_hop);
  layer_.start(client);
  return true;
}

bool proxy_core::try_next_server(response_context& rc, branch_state& failed) {
  if (!rc.retry || rc.cancelled || rc.final_forwarded || failed.provisional) return false;
  bool answered_503 = failed.response && failed.final_status == 503;
  bool unreachable = !failed.response && (failed.final_status == 503 || failed.final_status == 408);
  if (!answered_503 && !unreachable) return false;
  if (prober_) {
    prober_->report(
        failed.target, answered_503 ? health::verdict::unavailable : health::verdict::silent,
        answered_503
            ? health::parse_retry_after(failed.response->value(sip::header_id::retry_after))
            : std::chrono::seconds(0));
  }
  auto tried = [&](const transport::peer& p) {
    for (const auto& t : rc.retry->tried) {
      if (t.address == p.address && t.port == p.port) return true;
    }
    return false;
  };
  request_context ctx;
  ctx.in = rc.request;
  ctx.out = rc.retry->base->derive();
  ctx.from = rc.retry->from;
  ctx.server = rc.server;
  if (rc.retry->source_pair) ctx.source_pair = env_.servers.by_index(*rc.retry->source_pair);
  ctx.from_feature_server = rc.retry->from_feature_server;
  ctx.to_feature_server = rc.retry->to_feature_server;
  ctx.feature_server = rc.retry->feature_server;
  auto why = answered_503 ? "answered 503" : "could not be reached";
  // RFC 3263 §4.3: the next target DNS gave for the same name comes first.
  auto& alternatives = rc.retry->alternatives;
  while (!alternatives.empty()) {
    transport::peer hop = alternatives.front();
    alternatives.erase(alternatives.begin());
    if (tried(hop)) continue;
    ctx.next_hop = hop;
    ctx.target_pair = env_.servers.pair_at(hop.address, hop.port);
    log::interaction("{} {}: {} {}, trying {} (the next DNS target)", rc.request->method(),
                     rc.request->request_uri(), failed.target, why, hop);
    ++counters_.retries;
    return send_branch(rc, ctx);
  }
  if (!rc.retry->choose_servers) return false;
  auto untried_member = [&](const routing::server_pair& pair) -> const routing::member* {
    for (const routing::member* m : {&pair.primary, pair.backup ? &*pair.backup : nullptr}) {
      if (m && m->state == routing::member_state::active && !tried(m->address)) return m;
    }
    return nullptr;
  };
  // The other member of the same pair first, then (cluster) another pair.
  const routing::server_pair* pair =
      env_.servers.pair_at(failed.target.address, failed.target.port);
  const routing::member* next = pair ? untried_member(*pair) : nullptr;
  if (!next && !env_.settings.standalone()) {
    pair = env_.selector.pick(
        [&](const routing::server_pair& p) { return untried_member(p) != nullptr; });
    next = pair ? untried_member(*pair) : nullptr;
  }
  if (!next) return false;

  ctx.target_pair = pair;
  ctx.next_hop = next->address;
  log::interaction("{} {}: {} {}, trying {}", rc.request->method(), rc.request->request_uri(),
                   failed.target, why, next->address);
  if (!env_.settings.standalone())
    env_.sessions.record(routing::call_session_key(rc.request->value(sip::header_id::call_id)),
                         pair->index);
  ++counters_.retries;
  return send_branch(rc, ctx);
}

void proxy_core::on_cancel(txn::txn_id cancel_server, const sip::message_ptr& cancel,
                           txn::txn_id invite_server) {
  auto it = invite_server ? contexts_.find(invite_server) : contexts_.end();
  if (it == contexts_.end()) {
    // RFC 3261 §16.10 would forward it statelessly; with no INVITE here there is nothing
    // it could cancel through us, and a blind forward would make us an open relay.
    layer_.respond(cancel_server, 481,
                   sip::build_response(*cancel, 481, {}, local_tag(cancel_server)));
    return;
  }
  layer_.respond(cancel_server, 200,
                 sip::build_response(*cancel, 200, {}, local_tag(cancel_server)));
  response_context& rc = it->second;
  if (rc.final_forwarded) return;
  rc.cancelled = true;
  log::interaction("CANCEL for {}: cancelling {} branch(es)",
                   cancel->value(sip::header_id::call_id), rc.branches.size());
  for (const auto& b : rc.branches) {
    if (b.final_status == 0) layer_.cancel(b.client);
  }
}

void proxy_core::account(const request_context& ctx) {
  if (ctx.oversized) ++counters_.rejected_oversized;
  if (!ctx.forged_route) return;
  ++counters_.forged_routes;
  if (auto held = forged_log_.allow()) {
    log::standard(
        "{} {} from {}: Record-Route parameters naming this proxy failed their MAC; not "
        "honoured (Call-ID {}){}",
        ctx.in->method(), ctx.in->request_uri(), ctx.from, ctx.in->value(sip::header_id::call_id),
        *held ? fmt::format("; {} more since the last line", *held) : std::string());
  }
}

void proxy_core::on_ack(const sip::message_ptr& ack, const transport::peer& from) {
  // The ACK for a 2xx is a request of its own: route it like one, statelessly. Errors are
  // not answered (an ACK has no response); the request is dropped.
  request_context ctx;
  ctx.in = ack;
  ctx.out = ack->derive();
  ctx.from = from;
  step_result r = run_request_path(ctx, env_);
  account(ctx);
  go_on(ctx, r);
}

void proxy_core::relay_ack(request_context& ctx) {
  const sip::message_ptr& ack = ctx.in;
  decrement_max_forwards(*ctx.out);
  apply_strict_route(*ctx.out);
  const sip::header* top = ack->first(sip::header_id::via);
  add_via(*ctx.out, env_, ctx.next_hop->proto, stateless_branch(top ? top->value : ""));
  ++counters_.acks_relayed;
  layer_.send_stateless(*ctx.next_hop, ctx.out->serialize());
}

bool proxy_core::strip_own_via(sip::message& response) const {
  const sip::header* top = response.first(sip::header_id::via);
  if (!top) return false;
  auto v = sip::parse_via(top->value);
  if (!v || !env_.self.is_own_via(v->host, v->port)) return false;
  response.remove_first(sip::header_id::via);
  return response.count(sip::header_id::via) > 0;
}

void proxy_core::on_response(txn::txn_id client, const sip::message_ptr& response) {
  auto cs = client_to_server_.find(client);
  auto it = cs == client_to_server_.end() ? contexts_.end() : contexts_.find(cs->second);
  if (it == contexts_.end()) {
    forward_statelessly(response);  // e.g. a 2xx retransmission after the context ended
    return;
  }
  txn::txn_id server = it->first;
  relay_response(it->second, client, response);
  release_if_finished(server);
}

void proxy_core::release_if_finished(txn::txn_id server) {
  // A non-INVITE request is done once its final response went upstream: the server
  // transaction answers retransmissions itself and the client transactions absorb theirs,
  // so nothing needs the context for the 32 s of Timer J. An INVITE's stays until its
  // server transaction ends, since more 2xx may come (forking, retransmissions) or a
  // CANCEL, but keeps only what those need (release_messages).
  auto it = contexts_.find(server);
  if (it == contexts_.end() || !it->second.final_forwarded) return;
  if (it->second.invite) {
    it->second.release_messages();
    return;
  }
  for (const auto& b : it->second.branches) client_to_server_.erase(b.client);
  contexts_.erase(it);
}

void proxy_core::relay_response(response_context& rc, txn::txn_id client,
                                const sip::message_ptr& response) {
  int status = response->status();
  if (status == 100) return;  // hop by hop: we sent our own
  if (!strip_own_via(*response)) return;
  if (status < 200) {
    if (branch_state* pb = rc.branch_of(client)) pb->provisional = true;
    if (!rc.final_forwarded) {
      ++counters_.responses_relayed;
      layer_.respond(rc.server, status, response->serialize());
    }
    return;
  }
  if (status < 300 && rc.registration && !rc.final_forwarded) {
    if (!rc.awaiting_confirmation) register_then_relay(rc, client, response);
    return;  // rc may be gone now
  }
  if (status < 300) {
    relay_2xx(rc, client, response);
    return;
  }
  branch_state* b = rc.branch_of(client);
  if (!b || b->final_status != 0) return;
  b->final_status = status;
  b->response = response;
  if (try_next_server(rc, *b)) return;
  if (status >= 600 && !rc.final_forwarded) {
    // §16.7 step 5: a 6xx ends the search; the pending branches are cancelled, and the
    // 6xx goes upstream once they have answered (best() prefers it).
    for (const auto& other : rc.branches) {
      if (other.final_status == 0) layer_.cancel(other.client);
    }
  }
  finish_if_done(rc);
}

void proxy_core::register_then_relay(response_context& rc, txn::txn_id client,
                                     const sip::message_ptr& response) {
  const auto& reg = *rc.registration;
  registrar_.set_max_per_aor(static_cast<std::size_t>(env_.settings.max_registrations_per_aor));
  auto r = registrar_.on_registered(*reg.request, *response, reg.flow, reg.aor,
                                    registrar::wall_clock::now());
  counters_.registrations_stored += r.stored;
  log::interaction("REGISTER {} via {}: {} binding(s) stored, {} removed{}", reg.aor, reg.flow,
                   r.stored, r.removed,
                   r.refused ? fmt::format(", {} not stored (max-registrations-per-aor = {})",
                                           r.refused, env_.settings.max_registrations_per_aor)
                             : std::string());
  registrar::cap_expires(*response,
                         static_cast<std::uint32_t>(env_.settings.registrar_default_timeout));
  // The pair that accepted a DN's registration serves that DN: in-dialog requests whose
  // own pair is gone find it by the DN (route_dialog_by_session_or_dn).
  if (rc.pair && !env_.settings.standalone()) {
    if (auto u = sip::parse_uri(reg.aor); u && !safe_dn(u->user).empty())
      env_.sessions.record(routing::dn_session_key(safe_dn(u->user)), *rc.pair);
  }
  // The phone learns of its registration (or removal) only once another instance can
  // serve it: the pool's confirmation comes now or later, on this same event loop.
  rc.awaiting_confirmation = true;
  txn::txn_id server = rc.server;
  auto asked = std::chrono::steady_clock::now();
  std::weak_ptr<int> alive = alive_;
  env_.bindings.confirm_changes(
      [this, alive, server, client, response, asked](registrar::confirmation c) {
        if (alive.expired()) return;
        ++counters_.registrations_by_confirmation[static_cast<std::size_t>(c)];
        if (c != registrar::confirmation::not_needed)
          counters_.observe_confirm_wait(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count());
        auto it = contexts_.find(server);
        if (it == contexts_.end() || it->second.final_forwarded) return;
        it->second.awaiting_confirmation = false;
        relay_2xx(it->second, client, response);
        release_if_finished(server);
      });
}

void proxy_core::relay_2xx(response_context& rc, txn::txn_id client,
                           const sip::message_ptr& response) {
  // Every 2xx goes upstream at once, retransmissions included (RFC 6026).
  int status = response->status();
  branch_state* b = rc.branch_of(client);
  if (b && b->final_status == 0) b->final_status = status;
  if (!rc.final_forwarded) note_dialog(rc, *response);
  if (!rc.final_forwarded)
    counters_.observe_latency(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - rc.started).count());
  rc.final_forwarded = true;
  ++counters_.responses_relayed;
  layer_.respond(rc.server, status, response->serialize());
  for (const auto& other : rc.branches) {
    if (other.final_status == 0) layer_.cancel(other.client);
  }
}

void proxy_core::on_client_failed(txn::txn_id client, int status) {
  auto cs = client_to_server_.find(client);
  if (cs == client_to_server_.end()) return;
  auto it = contexts_.find(cs->second);
  if (it == contexts_.end()) return;
  branch_state* b = it->second.branch_of(client);
  if (!b || b->final_status != 0) return;
  log::interaction("branch to {} failed: {}", b->target, status);
  b->final_status = status;
  if (try_next_server(it->second, *b)) return;
  finish_if_done(it->second);
  release_if_finished(cs->second);
}

void proxy_core::finish_if_done(response_context& rc) {
  if (rc.final_forwarded) return;
  const branch_state* best = rc.best();
  if (!best) return;
  relay_final(rc, *best);
}

void proxy_core::relay_final(response_context& rc, const branch_state& b) {
  rc.final_forwarded = true;
  counters_.observe_latency(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - rc.started).count());
  ++counters_.responses_relayed;
  int status = b.final_status;
  if (rc.retry && rc.retry->choose_servers && (status == 503 || (status == 408 && !b.response))) {
    // Every SIP Server we could choose refused or did not answer: that is this proxy's
    // own answer now, not a relayed one.
    layer_.respond(rc.server, 503,
                   sip::build_response(*rc.request, 503,
                                       "Service Unavailable (no SIP Server could take the request)",
                                       local_tag(rc.server), "Retry-After: 5\r\n"));
    return;
  }
  if (status == 503 && b.response) {
    // RFC 3261 §16.7 step 6: a 503 from downstream means that server is unavailable, not
    // this proxy; upstream gets a 500.
    layer_.respond(
        rc.server, 500,
        sip::build_response(*rc.request, 500, "Server Internal Error (next hop answered 503)",
                            local_tag(rc.server)));
    return;
  }
  if (b.response) {
    layer_.respond(rc.server, status, b.response->serialize());
    return;
  }
  std::string_view reason = status == 408 ? "Request Timeout (no answer from next hop)"
                                          : "Service Unavailable (next hop unreachable)";
  layer_.respond(rc.server, status,
                 sip::build_response(*rc.request, status, reason, local_tag(rc.server)));
}

void proxy_core::forward_statelessly(const sip::message_ptr& response) {
  // Only 2xx to INVITE travel without a transaction (RFC 3261 §16.7, RFC 6026).
  if (response->status() < 200 || response->status() >= 300) return;
  if (!strip_own_via(*response)) return;
  const sip::header* next = response->first(sip::header_id::via);
  auto v = sip::parse_via(next->value);
  if (!v) return;
  transport::peer to;
  to.proto = sip::iequals(v->transport, "TLS")   ? transport::protocol::tls
             : sip::iequals(v->transport, "TCP") ? transport::protocol::tcp
                                                 : transport::protocol::udp;
  std::string_view host = v->host;
  if (auto received = v->param("received")) host = *received;
  if (!transport::parse_ip(host, to.address)) {
    auto a = env_.hosts.find(host);
    if (!a) return;
    to.address = *a;
  }
  to.port = v->port ? v->port : 5060;
  if (auto rport = v->param("rport"); rport && !rport->empty()) {
    if (auto p = sip::parse_uint(*rport, 65535); p && *p > 0)
      to.port = static_cast<std::uint16_t>(*p);
  }
  ++counters_.responses_relayed;
  layer_.send_stateless(to, response->serialize());
}

void proxy_core::on_stray_response(const sip::message_ptr& response) {
  // RFC 6026 §8.4 (updating RFC 3261 §16.7): a response that matches no client transaction
  // is not forwarded. 2xx retransmissions to an INVITE match its transaction in the
  // Accepted state; anything else would make the proxy a reflector. (Counted by the layer.)
  log::interaction("dropped stray response {} {} (Call-ID {})", response->status(),
                   response->reason(), response->value(sip::header_id::call_id));
}

void proxy_core::on_server_gone(txn::txn_id server) {
  auto it = contexts_.find(server);
  if (it == contexts_.end()) return;
  for (const auto& b : it->second.branches) client_to_server_.erase(b.client);
  contexts_.erase(it);
}

}  // namespace sipproxy::proxy
