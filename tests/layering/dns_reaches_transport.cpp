// Compiled as a source of lib/dns/ (tests/layering/CMakeLists.txt), this must fail at
// its second include: a header that lib/dns/ uses is reachable...
#include "sip/uri.hpp"
// ...but not the transport beside it.
#include "transport/peer.hpp"
