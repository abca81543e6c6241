// SIGHUP: re-reads the deployment file and applies the options that take effect
// immediately; an option that takes effect after restart, or a changed SIP Server, is
// logged and left as it runs. A file that no longer loads changes nothing (40003).
#pragma once

namespace sipproxy::daemon {

struct instance;

void reload(instance& m);

}  // namespace sipproxy::daemon
