// Compiled as a source of lib/mgmt/ (tests/layering/CMakeLists.txt), this must fail at
// its second include: a header that lib/mgmt/ uses is reachable...
#include "cli/command_line.hpp"
// ...but not the proxy, which implements its interfaces.
#include "proxy/management.hpp"
