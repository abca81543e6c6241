// The periodic upkeep of a running instance, on the layers' timer queue: expired
// registration bindings every second; expired session affinities and dialogs every
// minute, and then free heap pages given back to the system (glibc's malloc_trim), so that
// RSS does not stay at the peak of a burst (a registration storm, a call peak).
#pragma once

namespace sipproxy::daemon {

struct instance;

void start_housekeeping(instance& m);

}  // namespace sipproxy::daemon
