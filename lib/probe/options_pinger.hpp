// One OPTIONS round trip (RFC 3261 §11) to one target, over UDP (retransmitted on
// Timer E's schedule, T1 = 500 ms doubling to T2 = 4 s) or TCP (connect, write, read
// framed by Content-Length). Every wait has the caller's deadline; failures are values.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "dns/lookup_plan.hpp"

namespace sipproxy::probe {

struct ping_result {
  int status = 0;                    // the final response's status; 0 when none came
  std::string reason;                // its reason phrase
  std::chrono::microseconds rtt{0};  // first send to the final response
  std::string error;  // when status == 0: "no answer within 2 s", "connection refused"...

  bool answered() const { return status != 0; }
  bool ok() const { return status >= 200 && status < 300; }
};

class options_pinger {
 public:
  explicit options_pinger(boost::asio::any_io_executor executor);

  // Sends OPTIONS sip:`request_target` (host[:port] as the user wrote it) to `target`.
  boost::asio::awaitable<ping_result> ping(const dns::sip_target& target,
                                           std::string request_target,
                                           std::chrono::milliseconds timeout);

 private:
  boost::asio::awaitable<ping_result> ping_udp(const dns::sip_target& target,
                                               const std::string& request_target,
                                               std::chrono::milliseconds timeout);
  boost::asio::awaitable<ping_result> ping_tcp(const dns::sip_target& target,
                                               const std::string& request_target,
                                               std::chrono::milliseconds timeout);
  std::string new_token();

  boost::asio::any_io_executor executor_;
  std::uint32_t cseq_ = 0;
};

// Whether `bytes` is the final response to our OPTIONS with `branch`; fills status and
// reason. Provisional responses and strangers' messages return false. Pure.
bool match_response(std::string bytes, std::string_view branch, int& status, std::string& reason);

}  // namespace sipproxy::probe
