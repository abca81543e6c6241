#include "txn/branch_nonce.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace sipproxy::txn {

namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

struct sip_state {
  std::uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
  void absorb(std::uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

std::array<std::uint64_t, 2> random_key() {
  std::array<std::uint64_t, 2> key{};
  auto* p = reinterpret_cast<unsigned char*>(key.data());
  std::size_t got = 0;
  while (got < sizeof key) {
    ssize_t n = getrandom(p + got, sizeof key - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::abort();  // at startup: no kernel randomness, no safe branches
    }
    got += static_cast<std::size_t>(n);
  }
  return key;
}

}  // namespace

branch_nonce::branch_nonce() : key_(random_key()) {}

std::uint64_t branch_nonce::siphash(const std::array<std::uint64_t, 2>& key, std::uint64_t word) {
  sip_state s{key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
              key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull};
  s.absorb(word);                    // the 8-byte message, little-endian
  s.absorb(std::uint64_t{8} << 56);  // the final block: length 8, no tail bytes
  s.v2 ^= 0xff;
  s.round();
  s.round();
  s.round();
  s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace sipproxy::txn
