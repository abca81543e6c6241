// Compiled as a source of lib/txn/ (tests/layering/CMakeLists.txt), this must fail at
// its second include: a header that lib/txn/ uses is reachable...
#include "transport/sender.hpp"
// ...but not the proxy above it.
#include "proxy/proxy_core.hpp"
