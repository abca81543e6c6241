#include "dns/ares_error.hpp"

#include <ares.h>

#include <string>

namespace sipproxy::dns {
namespace {

class ares_error_category : public std::error_category {
 public:
  const char* name() const noexcept override { return "c-ares"; }

  std::string message(int status) const override {
    switch (status) {
      case ARES_ENOTFOUND:
        return "no such name (NXDOMAIN)";
      case ARES_ENODATA:
        return "no record of that type";
      case ARES_ETIMEOUT:
        return "the DNS server did not answer (timeout)";
      case ARES_ECONNREFUSED:
        return "refused by the DNS server (or nothing listens at its port)";
      case ARES_EREFUSED:
        return "the DNS server refused the query";
      case ARES_ESERVFAIL:
        return "the DNS server failed (SERVFAIL)";
      case ARES_EBADRESP:
        return "malformed DNS response";
      case ARES_EBADNAME:
        return "not a valid domain name";
      case ARES_ECANCELLED:
        return "query cancelled";
      case ARES_EDESTRUCTION:
        return "resolver destroyed";
      default:
        return ares_strerror(status);
    }
  }
};

}  // namespace

const std::error_category& ares_category() {
  static const ares_error_category category;
  return category;
}

std::error_code make_ares_error(int status) {
  if (status == ARES_SUCCESS) return {};
  return {status, ares_category()};
}

bool is_no_data(const std::error_code& ec) {
  return ec.category() == ares_category() &&
         (ec.value() == ARES_ENOTFOUND || ec.value() == ARES_ENODATA);
}

}  // namespace sipproxy::dns
