#include "txn/siphash.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>

namespace sipproxy::txn {

namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

struct sip_state {
  std::uint64_t v0, v1, v2, v3;
  explicit sip_state(const siphash_key& key)
      : v0(key[0] ^ 0x736f6d6570736575ull),
        v1(key[1] ^ 0x646f72616e646f6dull),
        v2(key[0] ^ 0x6c7967656e657261ull),
        v3(key[1] ^ 0x7465646279746573ull) {}
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
  std::uint64_t finish() {
    v2 ^= 0xff;
    round();
    round();
    round();
    round();
    return v0 ^ v1 ^ v2 ^ v3;
  }
};

}  // namespace

std::uint64_t siphash24(const siphash_key& key, std::string_view bytes) {
  sip_state s(key);
  std::size_t whole = bytes.size() / 8 * 8;
  for (std::size_t i = 0; i < whole; i += 8) {
    std::uint64_t m = 0;
    for (std::size_t j = 0; j < 8; ++j)
      m |= std::uint64_t{static_cast<unsigned char>(bytes[i + j])} << (8 * j);
    s.absorb(m);
  }
  std::uint64_t last = std::uint64_t{bytes.size() & 0xff} << 56;
  for (std::size_t j = 0; whole + j < bytes.size(); ++j)
    last |= std::uint64_t{static_cast<unsigned char>(bytes[whole + j])} << (8 * j);
  s.absorb(last);
  return s.finish();
}

std::uint64_t siphash24(const siphash_key& key, std::uint64_t word) {
  sip_state s(key);
  s.absorb(word);                    // the 8-byte message, little-endian
  s.absorb(std::uint64_t{8} << 56);  // the final block: length 8, no tail bytes
  return s.finish();
}

siphash_key random_siphash_key() {
  siphash_key key{};
  auto* p = reinterpret_cast<unsigned char*>(key.data());
  std::size_t got = 0;
  while (got < sizeof key) {
    ssize_t n = getrandom(p + got, sizeof key - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::abort();  // at startup: no kernel randomness, no safe keys
    }
    got += static_cast<std::size_t>(n);
  }
  return key;
}

}  // namespace sipproxy::txn
