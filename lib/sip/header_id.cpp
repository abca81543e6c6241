#include "sip/header_id.hpp"

#include <array>
#include <utility>

namespace sipproxy::sip {

namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

struct name_entry {
  std::string_view name;
  header_id id;
};

constexpr std::array<name_entry, 20> full_names{{
    {"via", header_id::via},
    {"route", header_id::route},
    {"record-route", header_id::record_route},
    {"max-forwards", header_id::max_forwards},
    {"call-id", header_id::call_id},
    {"cseq", header_id::cseq},
    {"from", header_id::from},
    {"to", header_id::to},
    {"contact", header_id::contact},
    {"content-length", header_id::content_length},
    {"content-type", header_id::content_type},
    {"proxy-require", header_id::proxy_require},
    {"require", header_id::require},
    {"supported", header_id::supported},
    {"unsupported", header_id::unsupported},
    {"proxy-authorization", header_id::proxy_authorization},
    {"event", header_id::event},
    {"expires", header_id::expires},
    {"allow", header_id::allow},
    {"retry-after", header_id::retry_after},
}};

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

header_id lookup_header(std::string_view name) {
  if (name.size() == 1) {
    switch (lower(name[0])) {
      case 'v':
        return header_id::via;
      case 'i':
        return header_id::call_id;
      case 'f':
        return header_id::from;
      case 't':
        return header_id::to;
      case 'm':
        return header_id::contact;
      case 'l':
        return header_id::content_length;
      case 'c':
        return header_id::content_type;
      case 'k':
        return header_id::supported;
      case 'o':
        return header_id::event;
      default:
        return header_id::other;
    }
  }
  // Every header of every message comes here: test length and first letter before the
  // whole name.
  char first = name.empty() ? '\0' : lower(name[0]);
  for (const auto& e : full_names) {
    if (e.name.size() == name.size() && e.name[0] == first && iequals(e.name, name)) return e.id;
  }
  return header_id::other;
}

std::string_view canonical_name(header_id id) {
  switch (id) {
    case header_id::via:
      return "Via";
    case header_id::route:
      return "Route";
    case header_id::record_route:
      return "Record-Route";
    case header_id::max_forwards:
      return "Max-Forwards";
    case header_id::call_id:
      return "Call-ID";
    case header_id::cseq:
      return "CSeq";
    case header_id::from:
      return "From";
    case header_id::to:
      return "To";
    case header_id::contact:
      return "Contact";
    case header_id::content_length:
      return "Content-Length";
    case header_id::content_type:
      return "Content-Type";
    case header_id::proxy_require:
      return "Proxy-Require";
    case header_id::require:
      return "Require";
    case header_id::supported:
      return "Supported";
    case header_id::unsupported:
      return "Unsupported";
    case header_id::proxy_authorization:
      return "Proxy-Authorization";
    case header_id::event:
      return "Event";
    case header_id::expires:
      return "Expires";
    case header_id::allow:
      return "Allow";
    case header_id::retry_after:
      return "Retry-After";
    case header_id::other:
      break;
  }
  return {};
}

bool is_split_list(header_id id) {
  return id == header_id::via || id == header_id::route || id == header_id::record_route;
}

}  // namespace sipproxy::sip
