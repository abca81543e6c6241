// Compiled as a source of lib/routing/ (tests/layering/CMakeLists.txt), this must fail at
// its second include: a header that lib/routing/ uses is reachable...
#include "transport/peer.hpp"
// ...but not the prober above it.
#include "health/health_prober.hpp"
