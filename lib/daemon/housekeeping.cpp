#include "daemon/housekeeping.hpp"

#include <malloc.h>

#include "daemon/instance.hpp"
#include "log/logger.hpp"

namespace sipproxy::daemon {

namespace {

void schedule_binding_expiry(instance& m) {
  m.timers.after(std::chrono::seconds(1), [&m] {
    if (std::size_t n = m.bindings->expire(registrar::wall_clock::now()))
      log::interaction("{} registration binding(s) expired", n);
    schedule_binding_expiry(m);
  });
}

void schedule_session_expiry(instance& m) {
  m.timers.after(std::chrono::seconds(60), [&m] {
    m.sessions->expire();
    m.core->dialogs().expire(std::chrono::steady_clock::now());
#ifdef __GLIBC__
    ::malloc_trim(0);
#endif
    schedule_session_expiry(m);
  });
}

}  // namespace

void start_housekeeping(instance& m) {
  schedule_session_expiry(m);
  schedule_binding_expiry(m);
}

}  // namespace sipproxy::daemon
