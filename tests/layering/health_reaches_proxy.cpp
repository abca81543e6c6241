// Compiled as a source of lib/health/ (tests/layering/CMakeLists.txt), this must fail at
// its second include: a header that lib/health/ uses is reachable...
#include "txn/transaction_layer.hpp"
// ...but not the proxy above it.
#include "proxy/proxy_core.hpp"
