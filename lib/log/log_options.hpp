// Where log lines go and how they look: the Genesys Framework log options of a deployment
// file's [log] section (verbose, the outputs of each level, segment, expire, time_format,
// time_convert), as the logger applies them.
#pragma once

#include <string>
#include <vector>

#include "log/level.hpp"

namespace sipproxy::log {

// One destination: "stdout", "stderr" or a file name, and the least important level it
// takes (standard = Standard only; debug = every level).
struct log_output {
  std::string target;
  level upto = level::standard;
  bool operator==(const log_output&) const = default;
};

// Rotation of file outputs: none, at a size, or after a number of hours.
struct log_segment {
  enum class kind { none, bytes, hours } by = kind::none;
  std::uint64_t amount = 0;
  bool operator==(const log_segment&) const = default;
};

// Which closed segments are kept: all, the newest N, or those younger than N days.
struct log_expire {
  enum class kind { none, segments, days } by = kind::none;
  unsigned amount = 0;
  bool operator==(const log_expire&) const = default;
};

enum class time_format { iso8601, time, locale };
enum class time_convert { utc, local };

struct log_options {
  level verbose = level::debug;  // "all"
  std::vector<log_output> outputs{{"stderr", level::debug}};
  log_segment segment;
  log_expire expire;
  time_format format = time_format::iso8601;
  time_convert convert = time_convert::utc;
  bool operator==(const log_options&) const = default;
};

}  // namespace sipproxy::log
