// Logging. Levels follow the seed's Genesys vocabulary (log/level.hpp). Lines go to stderr
// by default; a deployment file's [log] section (log/log_options.hpp) or the command line
// sends them elsewhere.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

#include "log/event_id.hpp"
#include "log/level.hpp"
#include "log/log_options.hpp"

namespace sipproxy::log {

void set_level(level l);
level current_level();
inline bool enabled(level l) {
  return static_cast<int>(l) <= static_cast<int>(current_level());
}

// Sends every line to `path` (appending, no rotation) instead of stderr; false when it
// cannot be opened.
bool set_file(const std::string& path);

// What the command line says about logging; it overrides the [log] section.
struct log_overrides {
  std::optional<level> verbose;  // --log-level
  std::string file;              // --log-file: every level to this file instead of the outputs
};

// The logging in force: the [log] section when there is one (else stderr at Standard), with
// the command line's overrides. Empty on success, else the output that could not be opened.
std::string apply(const std::optional<log_options>& section, const log_overrides& cli);

// Applies a [log] section: the level (verbose), the outputs of each level, rotation and the
// time stamp. Empty on success, else what could not be opened (the outputs in use stay).
std::string configure(const log_options& options);

void write(level l, std::string_view text);

// A numbered event: "<time> Std 40004 SPR_PROXY_INITIALIZED <text>".
void write_event(event_id id, std::string_view text);

template <typename... Args>
void event(event_id id, fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(level::standard)) write_event(id, fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
void standard(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(level::standard)) write(level::standard, fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
void interaction(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(level::interaction))
    write(level::interaction, fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(level::debug)) write(level::debug, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace sipproxy::log
