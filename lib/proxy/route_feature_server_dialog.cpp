#include "proxy/route_target.hpp"
#include "proxy/steps.hpp"
#include "sip/text.hpp"

namespace sipproxy::proxy {

namespace {

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

step_result route_feature_server_dialog(request_context& ctx, const proxy_env& env) {
  if (!ctx.rr_feature_server) return step_result::next;
  // Within a dialog with a Feature Server (re-SUBSCRIBE): its contact, which must be the
  // address and port of the Feature Server the dialog began with (a signed `fs`
  // Record-Route of one's own MWI dialog does not open a way to anywhere else, nor moves
  // the subscription to another Feature Server).
  ctx.to_feature_server = true;
  const std::string& named = ctx.rr_feature_server_name;
  step_result r = to_uri(ctx, ctx.out->request_uri(), env);
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

}  // namespace sipproxy::proxy
