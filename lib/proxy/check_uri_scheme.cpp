#include "proxy/steps.hpp"
#include "sip/header_id.hpp"

namespace sipproxy::proxy {

step_result check_uri_scheme(request_context& ctx, const proxy_env& env) {
  std::string_view ruri = ctx.in->request_uri();
  std::string_view scheme = sip::uri_scheme(ruri);
  if (scheme.empty()) {
    ctx.respond(400, "Bad Request (malformed Request-URI)");
    return step_result::done;
  }
  if (sip::iequals(scheme, "sips") && env.self.tls_port() == 0) {
    ctx.respond(416, "Unsupported URI Scheme (sips needs TLS, and this proxy has no sip-tls-port)");
    return step_result::done;
  }
  if (!sip::iequals(scheme, "sip") && !sip::iequals(scheme, "sips")) {
    ctx.respond(416);
    return step_result::done;
  }
  if (!sip::parse_uri(ruri)) {
    ctx.respond(400, "Bad Request (malformed Request-URI)");
    return step_result::done;
  }
  return step_result::next;
}

}  // namespace sipproxy::proxy
