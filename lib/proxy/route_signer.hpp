// The MAC over the parameters this proxy puts in its Record-Route URI (sps, spm, fs, dn, spn;
// record_route_params.hpp), carried as `sig`: 64 bits of SipHash-2-4, 16 hex digits.
// A Route or Request-URI that names the proxy is read for those parameters only when its
// `sig` verifies, so an endpoint cannot write its own (`;lr;fs` used to make the proxy
// forward to any host and port). The key is pool-wide: every instance verifies the
// others' Record-Routes. `route-secret` gives it; `route-secret-previous` is accepted for
// verification only (rotation with a grace period for live dialogs).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/settings.hpp"
#include "sip/uri.hpp"
#include "txn/siphash.hpp"

namespace sipproxy::proxy {

inline constexpr std::string_view sig_param = "sig";

class route_signer {
 public:
  explicit route_signer(txn::siphash_key current, std::optional<txn::siphash_key> previous = {})
      : current_(current), previous_(previous) {}

  // The `sig` value for a URI with these parameters of ours (whatever else it carries).
  std::string signature(const sip::uri& u) const;
  // Whether `u` carries a `sig` that matches its parameters under either key.
  bool verify(const sip::uri& u) const;

  // 32 hexadecimal digits → the key; nullopt when the text is not that.
  static std::optional<txn::siphash_key> parse_key(std::string_view hex);
  // A key derived from other secret material (mgmt-token), separated by a label.
  static txn::siphash_key derive_key(std::string_view label, std::string_view material);

 private:
  txn::siphash_key current_;
  std::optional<txn::siphash_key> previous_;
};

// The signer for a deployment and, for the startup log, where its key came from:
// route-secret (and route-secret-previous); else derived from mgmt-token; else, for a
// pool of several instances, derived from the pool's application names and addresses
// (not secret: logged as a warning); else a random key of this process.
struct route_signer_choice {
  route_signer signer;
  std::string source;
  bool weak = false;  // the key is not secret
};
route_signer_choice make_route_signer(const config::settings& s);

}  // namespace sipproxy::proxy
