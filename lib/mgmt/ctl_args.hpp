// sipproxyctl's command line, parsed without I/O: the command words, where the instance
// is, or why the line is wrong; and the --help of each command, generated from the same
// tables. The binary prints ctl_usage() on --help and the error (exit 2) otherwise.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli/help_text.hpp"

namespace sipproxy::mgmt {

// The environment variable that gives --token its default.
inline constexpr const char* token_variable = "SIPPROXY_MGMT_TOKEN";

struct ctl_args {
  std::vector<std::string> words;  // the command and its arguments
  std::string target;              // --target HOST:PORT, as given
  std::string config;              // --config FILE
  std::string app;                 // --app NAME
  std::string token;               // --token, else $SIPPROXY_MGMT_TOKEN
  double timeout_s = 5;
  bool json = false;
  bool help = false;          // --help or `help [COMMAND]`: print ctl_usage(help_command)
  std::string help_command;   // empty: the overview
  std::string error;          // set: a usage error, one line
  std::string error_command;  // the command the error is about (for the --help hint)
};

// `args` excludes the program name; `env_token` is $SIPPROXY_MGMT_TOKEN when set.
ctl_args parse_ctl_args(const std::vector<std::string>& args,
                        std::optional<std::string> env_token = std::nullopt);

// The --help text of a command (empty: the overview). Unknown commands get the overview.
std::string ctl_usage(std::string_view command = {});

// The commands sipproxyctl knows (the instance may know more: they are sent as given).
std::span<const cli::command_info> ctl_commands();

}  // namespace sipproxy::mgmt
