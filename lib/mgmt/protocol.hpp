// The management protocol (DESIGN.md): newline-delimited JSON over TCP on mgmt-port, one
// request object per line, one reply per line. {"cmd": "status"} → {"ok": true, ...};
// a refusal → {"ok": false, "error": "..."}. The one codec both sipproxyd and
// sipproxyctl use.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sipproxy::mgmt {

using json = nlohmann::json;

inline constexpr std::size_t max_line = 65536;

struct request {
  std::string cmd;
  std::vector<std::string> args;
  std::string token;
  json data;  // a command's structured payload (peer-update), null when absent
};

// The wire form of a request, newline included.
std::string encode(const request& r);
// Parses one line; nullopt (and `error`) when it is not a request object.
std::optional<request> decode_request(std::string_view line, std::string& error);

json ok(json body = json::object());
json refused(std::string_view why);

// Whether a command needs the token whenever one is configured: the ones that change the
// instance (set, drain, undrain), the pool's peer-* commands (which read and write its
// whole state) and `registrations`, which lists contacts (addresses of endpoints). The
// others (status, servers, dialogs, peers, get) show counts, the configured topology and
// option values with secrets masked, and are answered without it.
bool needs_token(std::string_view cmd);

}  // namespace sipproxy::mgmt
