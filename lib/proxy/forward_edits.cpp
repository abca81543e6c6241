#include "proxy/forward_edits.hpp"

#include <fmt/format.h>

#include <optional>

#include "proxy/record_route_params.hpp"
#include "proxy/route_signer.hpp"
#include "sip/cseq.hpp"
#include "sip/name_addr.hpp"

namespace sipproxy::proxy {

namespace {

std::string host_for_uri(const std::string& host) {
  if (host.find(':') != std::string::npos && host.front() != '[') return "[" + host + "]";
  return host;
}

// What our Record-Route says of a dialog: the SIP Server pair (index, member, name) or
// the Feature Server, and the DN.
struct rr_fields {
  std::optional<std::size_t> index;
  bool backup = false;
  std::string_view pair_name;
  std::string_view feature_server;
  std::string dn;
};

// Characters a `spn` or `fs` value may carry without escaping (an application name, a
// host:port); a value with others is left out (the index, or a bare `fs`, is used alone).
bool plain_param_value(std::string_view v) {
  for (char c : v) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-' || c == '_' || c == '.' || c == '~' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return !v.empty();
}

std::string rr_value(const proxy_env& env, transport::protocol proto, const rr_fields& f) {
  bool tls = proto == transport::protocol::tls && env.self.tls_port() != 0;
  std::string v = fmt::format("<sip:{}:{}", host_for_uri(env.self.rr_host()),
                              tls ? env.self.tls_port() : env.self.rr_port());
  if (proto == transport::protocol::tcp) v += ";transport=tcp";
  if (tls) v += ";transport=tls";
  if (f.index) {
    v += fmt::format(";lr;{}={};{}={}", sps_param, *f.index, member_param, f.backup ? "b" : "p");
    if (plain_param_value(f.pair_name)) v += fmt::format(";{}={}", pair_name_param, f.pair_name);
  } else if (plain_param_value(f.feature_server)) {
    v += fmt::format(";lr;{}={}", fs_param, f.feature_server);
  } else {
    v += fmt::format(";lr;{}", fs_param);
  }
  if (!f.dn.empty()) v += fmt::format(";{}={}", dn_param, f.dn);
  // The MAC over those parameters: only then are they believed when they come back.
  if (auto u = sip::parse_uri(std::string_view(v).substr(1)))
    v += fmt::format(";{}={}", sig_param, env.routes.signature(*u));
  v += ">";
  return v;
}

}  // namespace

std::string safe_dn(std::string_view user) {
  std::string out;
  for (char c : user) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
        c == '_' || c == '.' || c == '+' || c == '*' || c == '!' || c == '~')
      out.push_back(c);
  }
  return out;
}

void decrement_max_forwards(sip::message& out) {
  if (sip::header* mf = out.first(sip::header_id::max_forwards)) {
    auto hops = sip::parse_uint(mf->value, 255);
    out.set_value(*mf, std::to_string(hops && *hops > 0 ? *hops - 1 : 0));
  } else {
    out.insert_top(sip::header_id::max_forwards, "70");
  }
}

bool creates_dialog(const sip::message& m) {
  std::string_view method = m.method();
  if (method != "INVITE" && method != "SUBSCRIBE" && method != "REFER" && method != "NOTIFY")
    return false;
  return sip::tag_of(m.value(sip::header_id::to)).empty();
}

void add_record_route(request_context& ctx, const proxy_env& env) {
  sip::message& out = *ctx.out;
  rr_fields f;
  f.index = 0;
  auto is_backup = [](const routing::server_pair* pair, const transport::peer& p) {
    return pair && pair->backup && pair->backup->address.address == p.address &&
           pair->backup->address.port == p.port;
  };
  const routing::server_pair* pair = nullptr;
  if (ctx.source_pair) {
    // SIP Server → endpoint: the DN is the called endpoint.
    pair = ctx.source_pair;
    f.backup = is_backup(ctx.source_pair, ctx.from) ||
               (transport::is_stream(ctx.from.proto) && ctx.source_pair->backup &&
                ctx.source_pair->backup->address.address == ctx.from.address &&
                ctx.source_pair->primary.address.address != ctx.from.address);
    if (auto u = sip::parse_uri(out.request_uri())) f.dn = safe_dn(u->user);
    // The pair that sends a DN its calls serves that DN: in-dialog requests whose own pair
    // is gone find it by the DN (route_dialog_by_session_or_dn).
    if (!f.dn.empty() && !env.settings.standalone())
      env.sessions.record(routing::dn_session_key(f.dn), pair->index);
  } else {
    pair = ctx.target_pair;
    if (ctx.next_hop) f.backup = is_backup(ctx.target_pair, *ctx.next_hop);
    if (auto na = sip::parse_name_addr(out.value(sip::header_id::from))) {
      if (auto u = sip::parse_uri(na->uri)) f.dn = safe_dn(u->user);
    }
  }
  f.index = pair ? pair->index : 0;
  if (pair) f.pair_name = pair->name;
  if (ctx.from_feature_server || ctx.to_feature_server) {
    f.index.reset();
    f.feature_server = ctx.feature_server;
  }
  transport::protocol in = ctx.from.proto;
  transport::protocol outp = ctx.next_hop ? ctx.next_hop->proto : in;
  if (in != outp) {
    // Bottom entry faces the caller (its transport), top entry faces the callee.
    out.insert_top(sip::header_id::record_route, rr_value(env, in, f));
  }
  out.insert_top(sip::header_id::record_route, rr_value(env, outp, f));
}

void apply_strict_route(sip::message& out) {
  const sip::header* top = out.first(sip::header_id::route);
  if (!top) return;
  auto na = sip::parse_name_addr(top->value);
  if (!na) return;
  auto u = sip::parse_uri(na->uri);
  if (!u || u->param("lr")) return;
  std::string old_ruri(out.request_uri());
  std::string next(na->uri);
  out.remove_first(sip::header_id::route);
  auto& hs = out.headers();
  auto last = hs.end();
  for (auto it = hs.begin(); it != hs.end(); ++it) {
    if (it->id == sip::header_id::route) last = it + 1;
  }
  std::string_view value = out.store("<" + old_ruri + ">");
  hs.insert(last, sip::header{sip::header_id::route, "Route", value});
  out.set_request_uri(next);
}

void add_via(sip::message& out, const proxy_env& env, transport::protocol proto,
             std::string_view branch) {
  out.insert_top(sip::header_id::via,
                 fmt::format("SIP/2.0/{} {}:{};branch={}", transport::protocol_name(proto),
                             host_for_uri(env.self.via_host()),
                             proto == transport::protocol::tls && env.self.tls_port() != 0
                                 ? env.self.tls_port()
                                 : env.self.port(),
                             branch));
}

}  // namespace sipproxy::proxy
