// The deployment file's [log] section: the Genesys Framework log options an operator of
// that product writes (verbose; the outputs of each level: all, standard, interaction,
// trace, debug; segment; expire; time_format; time_convert), checked and turned into what
// the logger applies. Errors name the file, the line and the valid values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "log/log_options.hpp"

namespace sipproxy::config {

struct log_entry {
  std::string key;
  std::string value;
  int line = 0;
};

// The names the section accepts, for help texts and suggestions.
inline constexpr std::string_view log_option_names[] = {
    "verbose", "all",     "standard", "interaction", "trace",
    "debug",   "segment", "expire",   "time_format", "time_convert"};

// Throws config_error (file, line, valid values; the nearest name for an unknown option).
log::log_options parse_log_section(const std::string& path, const std::vector<log_entry>& entries);

}  // namespace sipproxy::config
