#include "cli/command_line.hpp"

#include <fmt/format.h>

#include <boost/program_options/errors.hpp>
#include <boost/program_options/parsers.hpp>
#include <cctype>

namespace sipproxy::cli {
namespace {

// Tried before the option parsers: "-5" is a word (a value for `set`), not option "-5".
std::vector<po::option> negative_number_word(std::vector<std::string>& args) {
  const std::string& a = args.front();
  if (a.size() < 2 || a[0] != '-' || !std::isdigit(static_cast<unsigned char>(a[1]))) return {};
  po::option word;
  word.value.push_back(a);
  word.original_tokens.push_back(a);
  args.erase(args.begin());
  return {word};
}

std::string describe(const po::error& e) {
  if (const auto* u = dynamic_cast<const po::unknown_option*>(&e))
    return fmt::format("unknown option '{}'", u->get_option_name());
  if (const auto* s = dynamic_cast<const po::invalid_command_line_syntax*>(&e)) {
    switch (s->kind()) {
      case po::invalid_syntax::missing_parameter:
        return fmt::format("option '{}' needs a value", s->get_option_name());
      case po::invalid_syntax::extra_parameter:
        return fmt::format("option '{}' takes no value", s->get_option_name());
      default:
        break;
    }
  }
  if (const auto* m = dynamic_cast<const po::multiple_occurrences*>(&e))
    return fmt::format("option '{}' is given more than once", m->get_option_name());
  // Boost's own wording names the option too ("the argument ('x') for option '--n' is
  // invalid"); it is one line.
  return e.what();
}

}  // namespace

parsed_line parse(const std::vector<std::string>& args, const po::options_description& options,
                  parse_rules rules) {
  namespace style = po::command_line_style;
  // No allow_guessing: `--conf` is not taken for `--config`, and a new option never makes
  // an old abbreviation ambiguous.
  int line_style = style::default_style & ~style::allow_guessing;
  if (rules.single_dash_long) line_style |= style::allow_long_disguise;
  parsed_line out;
  try {
    po::parsed_options parsed = po::command_line_parser(args)
                                    .options(options)
                                    .style(line_style)
                                    .extra_style_parser(negative_number_word)
                                    .run();
    // Words have no key: store() skips them, and they are collected here in order.
    for (const auto& o : parsed.options)
      if (o.string_key.empty()) out.words.insert(out.words.end(), o.value.begin(), o.value.end());
    po::store(parsed, out.values);
    po::notify(out.values);
  } catch (const po::error& e) {
    throw usage_error(describe(e));
  }
  return out;
}

std::string value_of(const po::variables_map& values, const char* name) {
  auto it = values.find(name);
  return it == values.end() ? std::string() : it->second.as<std::string>();
}

std::vector<std::string> given_options(const po::variables_map& values,
                                       const po::options_description& options) {
  std::vector<std::string> out;
  for (const auto& o : options.options()) {
    auto it = values.find(o->long_name());
    if (it != values.end() && !it->second.defaulted()) out.push_back(o->long_name());
  }
  return out;
}

std::string usage_error_line(std::string_view program, std::string_view what,
                             std::string_view command) {
  if (command.empty()) return fmt::format("{}: {}; try '{} --help'\n", program, what, program);
  return fmt::format("{}: {}; try '{} {} --help'\n", program, what, program, command);
}

}  // namespace sipproxy::cli
