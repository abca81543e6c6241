// What the command line and the environment give a running instance, beside the
// deployment file.
#pragma once

#include "config/test_timers.hpp"
#include "log/logger.hpp"

namespace sipproxy::daemon {

struct server_options {
  // The internal timers (OPTIONS probe deadline, peer heartbeat and digest check,
  // reconnection, DNS refresh floor, SIGTERM drain): the real values unless the tests
  // shorten them (sipproxyd reads SIPPROXY_TEST_TIMERS).
  config::test_timers timers;
  log::log_overrides log_cli;  // what the command line said (wins over [log])
};

}  // namespace sipproxy::daemon
