// Logging. Levels follow the seed's Genesys vocabulary: standard (the numbered events and
// failures), interaction (one line per transaction decision), debug (every message in and
// out, in full). Lines go to stderr by default, or to a file.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "log/event_id.hpp"

namespace sipproxy::log {

enum class level { none = 0, standard = 1, interaction = 2, debug = 3 };

// "none", "standard", "interaction", "debug" (also "info" = interaction); false if unknown.
bool parse_level(std::string_view text, level& out);

void set_level(level l);
level current_level();
inline bool enabled(level l) {
  return static_cast<int>(l) <= static_cast<int>(current_level());
}

// Sends lines to `path` (appending) instead of stderr; false when it cannot be opened.
bool set_file(const std::string& path);

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
