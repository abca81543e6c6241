// The seed's registrar: a REGISTER goes to the SIP Server, which authenticates it; only
// its 200 OK stores the bindings (with the flow they came on). registrar-default-timeout
// caps the expiry both in the REGISTER passed on and in the 200 OK sent back.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "registrar/binding_store.hpp"
#include "sip/message.hpp"

namespace sipproxy::registrar {

inline constexpr std::uint32_t default_expires = 3600;  // RFC 3261 §10.2.1.1 suggestion

// The comma-separated values of a Contact header ("*" stays one value).
std::vector<std::string_view> split_contacts(std::string_view value);
// A Contact value with its expires parameter set to `seconds`.
std::string with_expires(std::string_view contact_value, std::uint32_t seconds);

// Rewrites Expires and every Contact expires of a REGISTER or its 2xx to the lesser of
// `cap` and the value there (the client's, or 3600 when it gave none). cap 0: unchanged.
void cap_expires(sip::message& m, std::uint32_t cap);

// How many contacts `aor` would have bound if `request` (a REGISTER) were granted as
// asked: those bound now, plus its new contacts, less those it removes ("*": none).
std::size_t bindings_if_granted(const binding_store& store, const std::string& aor,
                                const sip::message& request);

struct update_result {
  std::size_t stored = 0;
  std::size_t removed = 0;
  std::size_t refused = 0;  // new contacts not stored: the AOR was at max_per_aor
};

class registrar {
 public:
  registrar(binding_store& store, std::string instance)
      : store_(store), instance_(std::move(instance)) {}

  // The SIP Server accepted `request` (as forwarded) with 2xx `response`: store, refresh
  // or remove the bindings of `aor` it carried, reached through `flow`.
  update_result on_registered(const sip::message& request, const sip::message& response,
                              const transport::peer& flow, const std::string& aor,
                              wall_clock::time_point now);

  binding_store& store() { return store_; }
  // max-registrations-per-aor: contacts one AOR may have; a new contact beyond it is not
  // stored even when the SIP Server accepted it (the proxy refuses such REGISTERs before
  // they are forwarded; this holds when several race). 0: no limit.
  void set_max_per_aor(std::size_t n) { max_per_aor_ = n; }

 private:
  binding_store& store_;
  std::string instance_;
  std::size_t max_per_aor_ = 0;
};

}  // namespace sipproxy::registrar
