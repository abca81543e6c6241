#include <fmt/format.h>

#include "proxy/steps.hpp"
#include "sip/name_addr.hpp"

namespace sipproxy::proxy {

namespace {

// Why the field is refused, or empty when it fits.
std::string too_long(std::string_view what, std::string_view value, std::size_t cap) {
  if (value.size() <= cap) return {};
  return fmt::format("{} longer than {} bytes", what, cap);
}

std::string first_over_cap(const sip::message& m) {
  std::string why = too_long("Request-URI", m.request_uri(), field_caps::request_uri);
  for (const auto& h : m.headers()) {
    if (!why.empty()) break;
    switch (h.id) {
      case sip::header_id::call_id:
        why = too_long("Call-ID", h.value, field_caps::call_id);
        break;
      case sip::header_id::from:
      case sip::header_id::to:
        why = too_long(h.id == sip::header_id::from ? "From" : "To", h.value, field_caps::from_to);
        if (why.empty())
          why = too_long(h.id == sip::header_id::from ? "From tag" : "To tag", sip::tag_of(h.value),
                         field_caps::tag);
        break;
      case sip::header_id::contact:
        why = too_long("Contact", h.value, field_caps::contact);
        break;
      default:
        break;
    }
  }
  return why;
}

}  // namespace

step_result check_field_lengths(request_context& ctx, const proxy_env&) {
  std::string why = first_over_cap(*ctx.in);
  if (why.empty()) return step_result::next;
  ctx.oversized = true;
  ctx.respond(400, fmt::format("Bad Request ({})", why));
  return step_result::done;
}

}  // namespace sipproxy::proxy
