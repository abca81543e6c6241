#include "proxy/aor.hpp"

namespace sipproxy::proxy {

std::string canonical_aor(const sip::uri& u, const local_identity& self) {
  std::string out = "sip:";
  out.append(u.user).append("@");
  if (self.is_local(u.host, u.port)) {
    out.append(self.domain());
    return out;
  }
  for (char c : u.host)
    out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  return out;
}

}  // namespace sipproxy::proxy
