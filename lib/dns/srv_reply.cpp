#include "dns/srv_reply.hpp"

#include <ares.h>
#include <ares_dns.h>

#include <memory>

#include "dns/ares_error.hpp"

namespace sipproxy::dns {
namespace {

constexpr int header_size = 12;
constexpr int type_srv = 33;
constexpr int class_in = 1;

std::uint16_t read16(const unsigned char* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

std::uint32_t read32(const unsigned char* p) {
  return (static_cast<std::uint32_t>(p[0]) << 24) | (static_cast<std::uint32_t>(p[1]) << 16) |
         (static_cast<std::uint32_t>(p[2]) << 8) | static_cast<std::uint32_t>(p[3]);
}

struct ares_string_free {
  void operator()(char* s) const { ares_free_string(s); }
};

// Expands the (possibly compressed) name at `at`; sets `length` to the bytes it takes
// there. Empty optional-like result: false on a malformed name.
bool expand_name(const unsigned char* at, const unsigned char* abuf, int alen, std::string& name,
                 long& length) {
  char* raw = nullptr;
  if (ares_expand_name(at, abuf, alen, &raw, &length) != ARES_SUCCESS) return false;
  std::unique_ptr<char, ares_string_free> owned(raw);
  name = raw;
  return true;
}

}  // namespace

std::error_code parse_srv_reply(const unsigned char* abuf, int alen, std::vector<srv_record>& out) {
  out.clear();
  if (abuf == nullptr || alen < header_size) return make_ares_error(ARES_EBADRESP);
  const int qdcount = read16(abuf + 4);
  const int ancount = read16(abuf + 6);
  const unsigned char* p = abuf + header_size;
  const unsigned char* end = abuf + alen;
  std::string name;
  long length = 0;

  for (int i = 0; i < qdcount; ++i) {
    if (!expand_name(p, abuf, alen, name, length)) return make_ares_error(ARES_EBADRESP);
    p += length;
    if (end - p < 4) return make_ares_error(ARES_EBADRESP);
    p += 4;  // QTYPE, QCLASS
  }
  for (int i = 0; i < ancount; ++i) {
    if (!expand_name(p, abuf, alen, name, length)) return make_ares_error(ARES_EBADRESP);
    p += length;
    if (end - p < 10) return make_ares_error(ARES_EBADRESP);
    const int type = read16(p);
    const int klass = read16(p + 2);
    const std::uint32_t ttl = read32(p + 4);
    const int rdlength = read16(p + 8);
    p += 10;
    if (end - p < rdlength) return make_ares_error(ARES_EBADRESP);
    if (type == type_srv && klass == class_in) {
      if (rdlength < 7) return make_ares_error(ARES_EBADRESP);
      srv_record r;
      r.priority = read16(p);
      r.weight = read16(p + 2);
      r.port = read16(p + 4);
      r.ttl = ttl;
      if (!expand_name(p + 6, abuf, alen, r.target, length)) return make_ares_error(ARES_EBADRESP);
      if (r.target == ".") r.target.clear();
      while (!r.target.empty() && r.target.back() == '.') r.target.pop_back();
      out.push_back(std::move(r));
    }
    p += rdlength;
  }
  if (out.empty()) return make_ares_error(ARES_ENODATA);
  return {};
}

}  // namespace sipproxy::dns
