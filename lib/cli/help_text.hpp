// --help text generated from the tables the parser uses: the options of a
// Boost.Program_options table in the GNU layout that man pages and bash-completion's
// _parse_help read ("  -t, --target HOST:PORT  what it does"), and a table of commands.
#pragma once

#include <boost/program_options/options_description.hpp>
#include <span>
#include <string>
#include <string_view>

namespace sipproxy::cli {

// A command of a binary with commands (sipproxyctl, sipprobe).
struct command_info {
  std::string_view name;       // "set"
  std::string_view arguments;  // "OPTION VALUE", or empty
  std::string_view summary;    // one line for the overview's command list
  std::string_view details;    // the paragraph of its own --help (wrapped here)
};

// One entry per option, the description wrapped at 80 columns beside the names.
std::string format_options(const boost::program_options::options_description& options);

// One entry per command: "  NAME ARGUMENTS  summary".
std::string format_commands(std::span<const command_info> commands);

// `text` re-flowed to `width` columns, each line indented by `indent` spaces; a blank
// line (two newlines) starts a new paragraph, and a line starting with a space is kept
// as it is.
std::string wrap(std::string_view text, std::size_t indent, std::size_t width = 80);

const command_info* find_command(std::span<const command_info> commands, std::string_view name);

}  // namespace sipproxy::cli
