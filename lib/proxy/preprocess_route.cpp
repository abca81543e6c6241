#include "proxy/record_route_params.hpp"
#include "proxy/route_signer.hpp"
#include "proxy/steps.hpp"
#include "sip/name_addr.hpp"

namespace sipproxy::proxy {

namespace {

// The URI of a Route entry, if it designates this proxy.
std::optional<sip::uri> our_route(const sip::header& h, const proxy_env& env) {
  auto na = sip::parse_name_addr(h.value);
  if (!na) return std::nullopt;
  auto u = sip::parse_uri(na->uri);
  if (!u || !env.self.is_local(u->host, u->port)) return std::nullopt;
  return u;
}

// What our own Record-Route URI said when the dialog was set up. Its parameters count
// only when their MAC verifies: a URI that names us without it is a plain loose route
// to us (RFC 3261 §16.4 removes it), so an endpoint cannot write `;fs` or `;sps=` itself.
// `flow` is not signed: it counts only on a request from an instance of the pool
// (follow_route), which no endpoint can send.
void note_our_uri(request_context& ctx, const sip::uri& u, const proxy_env& env) {
  ctx.had_our_route = true;
  if (u.param(flow_param)) ctx.rr_flow = true;
  bool ours = u.param(sps_param) || u.param(member_param) || u.param(fs_param) ||
              u.param(dn_param) || u.param(pair_name_param) || u.param(sig_param);
  if (!ours) return;
  if (!env.routes.verify(u)) {
    ctx.forged_route = true;
    return;
  }
  if (auto idx = server_index_of(u)) ctx.rr_server_index = idx;
  if (auto fs = u.param(fs_param)) {
    ctx.rr_feature_server = true;
    ctx.rr_feature_server_name = std::string(*fs);
  }
  if (auto name = u.param(pair_name_param)) ctx.rr_server_name = std::string(*name);
  if (auto dn = u.param(dn_param)) ctx.rr_dn = std::string(*dn);
  if (auto m = u.param(member_param); m && *m == "b") ctx.rr_backup = true;
}

}  // namespace

step_result preprocess_route(request_context& ctx, const proxy_env& env) {
  sip::message& out = *ctx.out;
  // A strict router before us put our Record-Route URI in the Request-URI and the real
  // target last in Route (RFC 3261 §16.4): put it back.
  if (auto ruri = sip::parse_uri(out.request_uri());
      ruri && env.self.is_local(ruri->host, ruri->port) && ruri->param("lr")) {
    note_our_uri(ctx, *ruri, env);
    const sip::header* last = nullptr;
    for (const auto& h : out.headers()) {
      if (h.id == sip::header_id::route) last = &h;
    }
    if (last) {
      auto na = sip::parse_name_addr(last->value);
      if (na) {
        std::string target(na->uri);
        auto& hs = out.headers();
        hs.erase(hs.begin() + (last - hs.data()));
        out.set_request_uri(target);
      }
    }
  }
  // Our own entries on top of Route (two when we double-record-routed) are removed.
  while (const sip::header* top = out.first(sip::header_id::route)) {
    auto u = our_route(*top, env);
    if (!u) break;
    note_our_uri(ctx, *u, env);
    out.remove_first(sip::header_id::route);
  }
  return step_result::next;
}

}  // namespace sipproxy::proxy
