// sipprobe dns NAME: A, AAAA and SIP SRV records with their TTLs, SRV targets resolved.
#pragma once

#include <ostream>

#include "probe/probe_args.hpp"

namespace sipproxy::probe {

// Prints the records (table or JSON) to `out`, one-line errors to `err`; returns the
// exit code (0 records found, 1 none).
int run_dns(const probe_args& args, std::ostream& out, std::ostream& err);

}  // namespace sipproxy::probe
