// Wrong management tokens, counted per source address (no I/O, the clock is passed in).
// A source that sends `max_failures` wrong tokens within `window` is locked out of the
// commands that need the token for `lockout`, even with the right one; the right token
// before that clears its count. The log lines about refusals are rate-limited as a whole
// (`log_burst` lines per `window`), so a flood from many sources cannot fill the disk;
// the table of sources is capped at `max_sources` (expired entries go first, then the
// oldest), so neither can memory.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace sipproxy::mgmt {

struct token_guard_limits {
  unsigned max_failures = 5;
  std::chrono::seconds window{60};
  std::chrono::seconds lockout{300};
  unsigned log_burst = 20;
  std::size_t max_sources = 4096;
};

class token_guard {
 public:
  using clock = std::chrono::steady_clock;

  explicit token_guard(token_guard_limits limits = {}) : limits_(limits) {}

  // Seconds (rounded up) that `source` is still locked out for at `now`; 0 when it is not.
  long locked_for(const std::string& source, clock::time_point now) const;
  // Records a wrong token from `source`; true when this one locks it out.
  bool record_failure(const std::string& source, clock::time_point now);
  // The right token from a source that is not locked out: forgets its earlier failures.
  void record_success(const std::string& source);
  // Whether a log line about a refusal may be written at `now`. When one may after some
  // were held back, `suppressed` says how many (and is reset).
  bool may_log(clock::time_point now, std::size_t& suppressed);

  std::size_t sources() const { return by_source_.size(); }
  const token_guard_limits& limits() const { return limits_; }

 private:
  struct entry {
    unsigned failures = 0;
    clock::time_point first;         // of the failures counted in the current window
    clock::time_point locked_until;  // the lockout's end, or epoch
  };
  void make_room(clock::time_point now);

  token_guard_limits limits_;
  std::unordered_map<std::string, entry> by_source_;
  clock::time_point log_window_start_{};
  unsigned logged_in_window_ = 0;
  std::size_t suppressed_ = 0;
};

}  // namespace sipproxy::mgmt
