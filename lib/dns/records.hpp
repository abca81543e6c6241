// What the resolver answers: address and SRV records, each with the TTL the server gave.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>

namespace sipproxy::dns {

enum class record_type { a, aaaa, srv };

struct address_record {
  boost::asio::ip::address address;
  std::uint32_t ttl = 0;  // seconds

  friend bool operator==(const address_record&, const address_record&) = default;
};

// RFC 2782: _service._proto.name TTL class SRV priority weight port target.
struct srv_record {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  // without the trailing dot; "." (no service) becomes ""
  std::uint32_t ttl = 0;

  friend bool operator==(const srv_record&, const srv_record&) = default;
};

}  // namespace sipproxy::dns
