// An option's value as it may be printed: in the log (SIGHUP reload, `set`), in
// `sipproxyctl get` and anywhere else a value leaves the process. Secrets never do: an
// option whose name says it is one (mgmt-token, route-secret, route-secret-previous: any
// name with token, secret or password in it) or whose value is a key prints as "(set)" or
// "(not set)", and the password in a shared-storage URL as "***".
#pragma once

#include <string>
#include <string_view>

namespace sipproxy::config {

bool is_secret_option(std::string_view name);
std::string printable_value(std::string_view name, std::string_view value);

}  // namespace sipproxy::config
