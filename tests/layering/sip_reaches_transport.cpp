// Compiled as a source of lib/sip/ (tests/layering/CMakeLists.txt), this must fail at
// its second include: a header that lib/sip/ uses is reachable...
#include "sip/message.hpp"
// ...but not the transport above it.
#include "transport/peer.hpp"
