// Secret comparison whose time does not depend on where the first differing byte is: every
// byte of the expected secret is looked at whatever the candidate holds, so timing the
// refusals cannot recover the mgmt-token a byte at a time. Only the length can leak.
#pragma once

#include <string_view>

namespace sipproxy::mgmt {

inline bool equal_constant_time(std::string_view candidate, std::string_view secret) {
  unsigned char diff = candidate.size() == secret.size() ? 0 : 1;
  for (std::size_t i = 0; i < secret.size(); ++i) {
    unsigned char c = i < candidate.size() ? static_cast<unsigned char>(candidate[i]) : 0;
    diff |= static_cast<unsigned char>(c ^ static_cast<unsigned char>(secret[i]));
  }
  return diff == 0;
}

}  // namespace sipproxy::mgmt
