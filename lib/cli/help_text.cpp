#include "cli/help_text.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

namespace sipproxy::cli {
namespace {

// Where descriptions start: past the longest name column, at most this far.
constexpr std::size_t max_name_column = 30;

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// Two columns: `left` then `text` wrapped from `column`; a `left` that reaches the column
// puts the text on the next line.
std::string two_columns(const std::string& left, std::string_view text, std::size_t column) {
  std::string body = wrap(text, column);
  if (left.size() + 2 <= column && body.size() >= column) return left + body.substr(left.size());
  return left + "\n" + body;
}

}  // namespace

std::string wrap(std::string_view text, std::size_t indent, std::size_t width) {
  std::string out;
  std::string pad(indent, ' ');
  std::istringstream in{std::string(text)};
  std::string raw;
  std::string line;
  auto flush = [&] {
    if (!line.empty()) out += pad + line + "\n";
    line.clear();
  };
  while (std::getline(in, raw)) {
    if (raw.empty()) {
      flush();
      out += "\n";
      continue;
    }
    if (raw.front() == ' ') {  // pre-formatted
      flush();
      out += pad + raw + "\n";
      continue;
    }
    for (auto w : words_of(raw)) {
      if (!line.empty() && indent + line.size() + 1 + w.size() > width) flush();
      if (!line.empty()) line += ' ';
      line += w;
    }
  }
  flush();
  return out;
}

std::string format_options(const boost::program_options::options_description& options) {
  std::vector<std::string> names;
  std::size_t widest = 0;
  for (const auto& o : options.options()) {
    // format_name() is "-t [ --target ]" or "--target"; the GNU form is "-t, --target".
    std::string name = o->format_name();
    if (auto bracket = name.find(" [ "); bracket != std::string::npos)
      name = name.substr(0, bracket) + ", " + name.substr(bracket + 3, name.size() - bracket - 5);
    else
      name = "    " + name;
    if (std::string value = o->format_parameter(); !value.empty()) name += " " + value;
    names.push_back("  " + name);
    widest = std::max(widest, names.back().size());
  }
  std::size_t column = std::min(widest + 2, max_name_column);
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += two_columns(names[i], options.options()[i]->description(), column);
  return out;
}

std::string format_commands(std::span<const command_info> commands) {
  std::vector<std::string> names;
  std::size_t widest = 0;
  for (const auto& c : commands) {
    std::string name = "  " + std::string(c.name);
    if (!c.arguments.empty()) name += " " + std::string(c.arguments);
    names.push_back(name);
    widest = std::max(widest, name.size());
  }
  std::size_t column = std::min(widest + 2, max_name_column);
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += two_columns(names[i], commands[i].summary, column);
  return out;
}

const command_info* find_command(std::span<const command_info> commands, std::string_view name) {
  for (const auto& c : commands)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace sipproxy::cli
