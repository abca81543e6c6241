#include "proxy/route_signer.hpp"

#include <fmt/format.h>

#include <array>

#include "proxy/record_route_params.hpp"

namespace sipproxy::proxy {

namespace {

// What the MAC covers: each of our parameters that is present, name and value, in a
// fixed order (so their order in the URI does not matter and none can be added).
std::string signed_text(const sip::uri& u) {
  std::string text;
  for (std::string_view name : {sps_param, member_param, fs_param, dn_param, pair_name_param}) {
    if (auto v = u.param(name)) {
      text += name;
      text += '=';
      text += *v;
      text += '\n';
    }
  }
  return text;
}

std::string hex64(std::uint64_t v) {
  return fmt::format("{:016x}", v);
}

// Equal texts, in time that depends only on their lengths.
bool same_text(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string route_signer::signature(const sip::uri& u) const {
  return hex64(txn::siphash24(current_, signed_text(u)));
}

bool route_signer::verify(const sip::uri& u) const {
  auto sig = u.param(sig_param);
  if (!sig) return false;
  std::string text = signed_text(u);
  bool ok = same_text(*sig, hex64(txn::siphash24(current_, text)));
  if (previous_) ok |= same_text(*sig, hex64(txn::siphash24(*previous_, text)));
  return ok;
}

std::optional<txn::siphash_key> route_signer::parse_key(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  txn::siphash_key key{};
  for (std::size_t i = 0; i < 16; ++i) {
    int hi = hex_digit(hex[2 * i]);
    int lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    // Byte i of the key, as SipHash reads it: little-endian k0 (bytes 0-7), k1 (8-15).
    key[i / 8] |= std::uint64_t(hi * 16 + lo) << (8 * (i % 8));
  }
  return key;
}

txn::siphash_key route_signer::derive_key(std::string_view label, std::string_view material) {
  // SipHash keyed with fixed constants as a hash: two independent halves of the key.
  constexpr txn::siphash_key k0{0x73697070726f7879ull, 0x726f7574652d6b30ull};
  constexpr txn::siphash_key k1{0x73697070726f7879ull, 0x726f7574652d6b31ull};
  std::string text = std::string(label) + '\0' + std::string(material);
  return {txn::siphash24(k0, text), txn::siphash24(k1, text)};
}

route_signer_choice make_route_signer(const config::settings& s) {
  if (auto key = route_signer::parse_key(s.route_secret)) {
    auto previous = route_signer::parse_key(s.route_secret_previous);
    return {route_signer(*key, previous),
            previous ? "route-secret (and route-secret-previous)" : "route-secret", false};
  }
  if (!s.mgmt_token.empty())
    return {route_signer(route_signer::derive_key("route-secret from mgmt-token", s.mgmt_token)),
            "derived from mgmt-token", false};
  if (s.proxies.size() > 1) {
    std::string pool;
    for (const auto& p : s.proxies) pool += fmt::format("{} {} {}\n", p.name, p.host, p.sip_port);
    return {route_signer(route_signer::derive_key("route-secret from the pool", pool)),
            "derived from the pool's names and addresses (not secret: set route-secret)", true};
  }
  return {route_signer(txn::random_siphash_key()),
          "random for this process (dialogs do not survive a restart)", false};
}

}  // namespace sipproxy::proxy
