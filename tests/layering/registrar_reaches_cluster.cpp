// Compiled as a source of lib/registrar/ (tests/layering/CMakeLists.txt), this must fail at
// its second include: a header that lib/registrar/ uses is reachable...
#include "sip/message.hpp"
// ...but not the pool above it.
#include "cluster/pool.hpp"
