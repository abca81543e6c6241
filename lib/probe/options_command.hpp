// sipprobe options URI: OPTIONS round trips with status, reason and RTT, and a summary.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <vector>

#include "probe/options_pinger.hpp"
#include "probe/probe_args.hpp"

namespace sipproxy::probe {

struct ping_summary {
  int sent = 0;
  int answered = 0;  // any final response
  int ok = 0;        // 2xx
  double loss_percent = 0;
  std::optional<double> min_ms, avg_ms, max_ms;  // over answered probes
};

// Pure: the summary line's numbers.
ping_summary summarize(const std::vector<ping_result>& results);

// Returns the exit code: 0 every probe answered 2xx, 1 otherwise.
int run_options(const probe_args& args, std::ostream& out, std::ostream& err);

}  // namespace sipproxy::probe
