// The daemon's internal timers that are not deployment options, with their real values,
// and the one way to shorten them: the environment variable SIPPROXY_TEST_TIMERS, for
// the integration tests only (sipproxyd logs a warning when it is set).
//
//   SIPPROXY_TEST_TIMERS=probe-deadline=300ms,heartbeat=200ms,digest-check=1s
//
// None of them is in the seed's option set, and none is something an operator tunes: they
// bound how soon the proxy notices a change (a silent SIP Server, a peer gone or diverged,
// a DNS record re-pointed), and the tests would otherwise spend most of their time
// waiting on them.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace sipproxy::config {

struct test_timers {
  // How long an OPTIONS probe waits for its final response before the member counts as
  // silent.
  std::chrono::milliseconds probe_deadline{1000};
  // A peer link's heartbeat (peer-digest) when it has nothing else to send.
  std::chrono::milliseconds heartbeat{2000};
  // How often a peer link compares the two states' digests (anti-entropy).
  std::chrono::milliseconds digest_check{10000};
  // The first wait before a lost peer link or Redis connection is tried again; later
  // waits double, up to five times this.
  std::chrono::milliseconds reconnect{1000};
  // The shortest time before a configured host name is resolved again (its TTL when
  // longer, at most an hour).
  std::chrono::milliseconds dns_refresh_floor{5000};
  // SIGTERM: the longest wait for pending transactions before the process exits.
  std::chrono::milliseconds drain{5000};

  bool operator==(const test_timers&) const = default;
};

// The environment variable's name.
inline constexpr const char* test_timers_variable = "SIPPROXY_TEST_TIMERS";

// Parses "key=VALUE,key=VALUE" (VALUE: an integer followed by ms or s, 10 ms to 600 s)
// over the real values. On an error returns false and says what is wrong in `error`
// (the key or item, and the valid keys or range).
bool parse_test_timers(std::string_view text, test_timers& out, std::string& error);

// "probe-deadline=300ms, heartbeat=2000ms, ..." for the startup warning.
std::string describe(const test_timers& t);

}  // namespace sipproxy::config
