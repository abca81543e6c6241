// The command-line parsing the three binaries share, on Boost.Program_options: one style
// (GNU short and long options, `--opt=value` and `--opt value`, options before or after
// the command words, `--` ends the options, no abbreviations), the positional words in
// order, and every mistake as one line that names the option.
#pragma once

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sipproxy::cli {

namespace po = boost::program_options;

// A command-line mistake; what() is one line naming the option or the word.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct parse_rules {
  // `-app NAME` as well as `--app NAME` (the Genesys start scripts' single-dash form).
  bool single_dash_long = false;
};

struct parsed_line {
  po::variables_map values;
  // The words that are not options or their values, in order (the command and its
  // arguments). A word that looks like a negative number ("-5") is a word, not an option.
  std::vector<std::string> words;
};

// `args` excludes the program name. Throws usage_error.
parsed_line parse(const std::vector<std::string>& args, const po::options_description& options,
                  parse_rules rules = {});

// The value of a string option, empty when it was not given.
std::string value_of(const po::variables_map& values, const char* name);

// The long names of the options given on the line (not defaulted), in the table's order.
std::vector<std::string> given_options(const po::variables_map& values,
                                       const po::options_description& options);

// The line a binary prints for a usage error:
//   "PROGRAM: WHAT; try 'PROGRAM [COMMAND] --help'\n"
std::string usage_error_line(std::string_view program, std::string_view what,
                             std::string_view command = {});

}  // namespace sipproxy::cli
