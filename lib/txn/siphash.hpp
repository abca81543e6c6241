// SipHash-2-4 (Aumasson and Bernstein): a keyed 64-bit MAC, fast on short inputs. The
// proxy uses it for the unpredictable part of its branches (branch_nonce) and for the
// MAC over the parameters of its Record-Route (proxy/route_signer).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sipproxy::txn {

using siphash_key = std::array<std::uint64_t, 2>;  // k0, k1 (bytes 0-7, 8-15, little-endian)

std::uint64_t siphash24(const siphash_key& key, std::string_view bytes);
// The same for one 64-bit word, taken as its 8 little-endian bytes.
std::uint64_t siphash24(const siphash_key& key, std::uint64_t word);

// A fresh key from the kernel's CSPRNG (getrandom(2)); aborts when there is none.
siphash_key random_siphash_key();

}  // namespace sipproxy::txn
