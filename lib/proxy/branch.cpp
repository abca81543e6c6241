#include "proxy/branch.hpp"

#include <fmt/format.h>

#include "sip/cseq.hpp"
#include "sip/name_addr.hpp"

namespace sipproxy::proxy {

namespace {

struct fnv1a {
  std::uint64_t h = 1469598103934665603ull;
  void add(std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // field separator
    h *= 1099511628211ull;
  }
};

}  // namespace

std::string loop_hash(const sip::message& in) {
  fnv1a f;
  f.add(in.request_uri());
  f.add(sip::tag_of(in.value(sip::header_id::from)));
  f.add(sip::tag_of(in.value(sip::header_id::to)));
  f.add(in.value(sip::header_id::call_id));
  auto cs = sip::parse_cseq(in.value(sip::header_id::cseq));
  f.add(std::to_string(cs ? cs->number : 0));
  for (const auto& h : in.headers()) {
    if (h.id == sip::header_id::route || h.id == sip::header_id::proxy_require ||
        h.id == sip::header_id::proxy_authorization)
      f.add(h.value);
  }
  return fmt::format("{:016x}", f.h);
}

std::string stateful_branch(std::string_view hash, std::uint64_t nonce) {
  return fmt::format("{}{}.{:016x}", branch_prefix, hash, nonce);
}

std::string_view branch_hash(std::string_view branch) {
  if (!branch.starts_with(branch_prefix)) return {};
  std::string_view rest = branch.substr(branch_prefix.size());
  if (rest.size() < 17 || rest[16] != '.') return {};
  return rest.substr(0, 16);
}

std::string stateless_branch(std::string_view incoming_top_via) {
  fnv1a f;
  f.add(incoming_top_via);
  return fmt::format("z9hG4bKsa{:016x}", f.h);
}

}  // namespace sipproxy::proxy
