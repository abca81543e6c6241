// The client side of the management protocol: one request, one reply, bounded by a
// connect-and-reply deadline. Used by sipproxyctl.
#pragma once

#include <chrono>
#include <string>

#include "mgmt/protocol.hpp"

namespace sipproxy::mgmt {

struct call_result {
  bool connected = false;
  std::string error;  // why there is no reply (connection refused, timeout, bad reply)
  json reply;
};

call_result call(const std::string& host, std::uint16_t port, const request& r,
                 std::chrono::milliseconds timeout);

// Human-readable rendering of a reply to `cmd` (tables for status, servers, ...). Taken by
// value: a field the reply lacks reads as null (operator[] on a const json that lacks the
// key is undefined behaviour); one of the wrong type throws json::exception.
std::string render(const std::string& cmd, json reply);

}  // namespace sipproxy::mgmt
