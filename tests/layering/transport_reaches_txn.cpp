// Compiled as a source of lib/transport/ (tests/layering/CMakeLists.txt), this must fail at
// its second include: a header that lib/transport/ uses is reachable...
#include "sip/message.hpp"
// ...but not the transactions above it.
#include "txn/transaction_layer.hpp"
