// The parameters this proxy puts in its Record-Route URI, and reads back from Route:
// `sps` = the SIP Server index (position of the pair in `applications`), `dn` = the
// endpoint's DN (the seed's "SIP Server index, and DN"), `spn` = the pair's application
// name, so that an index that names another pair (the deployment changed, or the
// instance that reads it has another one) is not believed.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "sip/uri.hpp"

namespace sipproxy::proxy {

inline constexpr std::string_view sps_param = "sps";
inline constexpr std::string_view dn_param = "dn";
inline constexpr std::string_view pair_name_param = "spn";
// Which member of the pair the dialog was set up with: "p" primary, "b" backup. In-dialog
// requests go back to it while it is not out of service (the seed's inactive state).
inline constexpr std::string_view member_param = "spm";
// Marks the Record-Route of a dialog with a Feature Server (MWI SUBSCRIBE/NOTIFY); its
// value is that Feature Server's host:port as feature-server-address lists it (a bare
// `fs`, written before there could be several, means any of them).
inline constexpr std::string_view fs_param = "fs";
// Marks the Route one instance of the pool puts on a request it sends to the instance
// that holds the endpoint's flow (Path-style); that instance delivers it over the flow.
inline constexpr std::string_view flow_param = "flow";

inline std::optional<std::size_t> server_index_of(const sip::uri& u) {
  auto v = u.param(sps_param);
  if (!v || v->empty() || v->size() > 4) return std::nullopt;
  std::size_t n = 0;
  for (char c : *v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

}  // namespace sipproxy::proxy
