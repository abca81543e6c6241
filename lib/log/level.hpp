// Log levels, in the seed's Genesys vocabulary, most important first: Standard (the
// numbered events and failures), Interaction (one line per transaction decision), Trace
// (kept for the Framework's option values; sipproxyd writes no Trace-only lines), Debug
// (every message in and out, in full).
#pragma once

#include <string_view>

namespace sipproxy::log {

enum class level { none = 0, standard = 1, interaction = 2, trace = 3, debug = 4 };

// "none", "standard", "interaction" (also "info"), "trace", "debug" (also "all"); false if
// unknown.
bool parse_level(std::string_view text, level& out);

}  // namespace sipproxy::log
