// sipprobe check --config FILE: the whole deployment, one OK / FAIL / SKIP line per check.
#pragma once

#include <ostream>

#include "probe/probe_args.hpp"

namespace sipproxy::probe {

// Returns the exit code: 0 every check passed, 1 one failed, 2 the file is unusable.
int run_check(const probe_args& args, std::ostream& out, std::ostream& err);

}  // namespace sipproxy::probe
