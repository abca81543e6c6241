// sipprobe: DNS, OPTIONS and whole-deployment checks from the shell (man sipprobe(8)).
// Thin: parse the command line, run the command from lib/probe/.
#include <iostream>
#include <string>
#include <vector>

#include "cli/command_line.hpp"
#include "probe/check_command.hpp"
#include "probe/dns_command.hpp"
#include "probe/options_command.hpp"
#include "probe/probe_args.hpp"

int main(int argc, char** argv) {
  using namespace sipproxy::probe;
  std::vector<std::string> words(argv + 1, argv + argc);
  probe_args args = parse_args(words);
  if (args.help) {
    std::cout << usage(args.cmd);
    return 0;
  }
  if (!args.error.empty()) {
    std::cerr << sipproxy::cli::usage_error_line("sipprobe", args.error, command_name(args.cmd));
    return 2;
  }
  switch (args.cmd) {
    case command::dns:
      return run_dns(args, std::cout, std::cerr);
    case command::options:
      return run_options(args, std::cout, std::cerr);
    case command::check:
      return run_check(args, std::cout, std::cerr);
    case command::none:
      break;
  }
  std::cerr << usage(command::none);
  return 2;
}
