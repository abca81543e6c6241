// JSON as text for what leaves the daemon (management replies, /status). Wire text in a
// document (a contact, a user agent) need not be UTF-8: what is not is shown as U+FFFD
// rather than making the dump throw.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace sipproxy::mgmt {

inline std::string json_text(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sipproxy::mgmt
