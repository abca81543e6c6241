#include "proxy/steps.hpp"
#include "sip/text.hpp"

namespace sipproxy::proxy {

step_result check_proxy_require(request_context& ctx, const proxy_env&) {
  // This proxy implements no extension that a Proxy-Require could ask for: every option
  // tag listed is unsupported. CANCEL and ACK are exempt (RFC 3261 §16.3 step 5).
  if (ctx.in->method() == "CANCEL" || ctx.in->method() == "ACK") return step_result::next;
  std::string tags;
  for (const auto& h : ctx.in->headers()) {
    if (h.id != sip::header_id::proxy_require) continue;
    std::string_view v = h.value;
    while (!v.empty()) {
      std::size_t comma = v.find(',');
      std::string_view tag = sip::trim(v.substr(0, comma));
      if (!tag.empty()) {
        if (!tags.empty()) tags += ", ";
        tags.append(tag);
      }
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  if (tags.empty()) return step_result::next;
  ctx.respond(420, {}, "Unsupported: " + tags + "\r\n");
  return step_result::done;
}

}  // namespace sipproxy::proxy
