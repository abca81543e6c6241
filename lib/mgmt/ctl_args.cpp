#include "mgmt/ctl_args.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>

#include "cli/command_line.hpp"

namespace sipproxy::mgmt {
namespace {

namespace po = boost::program_options;

constexpr std::array<cli::command_info, 11> commands = {{
    {"status", "", "version, uptime, mode, listeners, counters, alarms",
     "Version, application, mode, uptime, draining, listeners, counters, transactions, "
     "registrations, sessions, each Feature Server with its state, the shared storage, and the "
     "alarms now raised (40001 a SIP Server pair with no member that takes new calls, 40002 a "
     "pool peer whose link is down, 40008 the shared storage on Redis unavailable)."},
    {"servers", "",
     "each SIP Server pair (members) and each Feature Server: state, last OPTIONS round trip",
     "Each SIP Server pair: its members (primary, backup), their state (active, inactive, "
     "out-of-service), the round trip of the last answered OPTIONS, probes answered/sent, and "
     "where new dialogs go; then each Feature Server of feature-server-address."},
    {"registrations", "[AOR]", "the number of bindings, or the bindings of AOR (sip:user@host)",
     "The number of registration bindings; with an address-of-record (sip:user@host, or "
     "user@host[:port]), its bindings: contact, seconds to expiry, the flow. Needs the "
     "mgmt-token whenever the deployment sets one."},
    {"dialogs", "", "transactions and sessions in progress",
     "Dialogs established through this instance and not yet ended, in all and per SIP Server "
     "pair; server and client transactions, requests in progress, and sessions in the "
     "affinity table."},
    {"peers", "", "the other instances of the pool, or the Redis shared storage",
     "The other instances of sipproxy-applications that this instance links to: link state, "
     "since when, records queued and exchanged, round trip. With shared-storage = redis://..., "
     "the Redis connection instead."},
    {"get", "OPTION", "an option's value, default, valid values, when it takes effect",
     "The deployment option's running value, default, valid values and when a change takes "
     "effect. 'sipproxyctl option-names' lists the options."},
    {"set", "OPTION VALUE",
     "change an option that takes effect immediately (not written to the file); others are "
     "refused with the reason",
     "Changes a deployment option whose change takes effect immediately (or on the next "
     "REGISTER) in the running instance, checked against the option table. The file is not "
     "written: a restart or SIGHUP goes back to the file's value. Other options are refused "
     "with the reason. Needs the mgmt-token whenever the deployment sets one. A VALUE that "
     "starts with '-' (other than a negative number) follows '--': set OPTION -- VALUE."},
    {"drain", "", "refuse new dialogs and answer OPTIONS pings with 503",
     "New dialogs and OPTIONS pings addressed to the proxy are answered 503, so endpoints and "
     "SIP Servers move to other instances; requests within dialogs go on. Needs the "
     "mgmt-token whenever the deployment sets one."},
    {"undrain", "", "end draining",
     "Ends draining: new dialogs are taken again. Needs the mgmt-token whenever the "
     "deployment sets one."},
    {"help", "[COMMAND]", "this help, or a command's (contacts no instance)",
     "Prints the overview, or the help of COMMAND (the same as 'sipproxyctl COMMAND --help'). "
     "Contacts no instance."},
    {"option-names", "", "the names of the deployment options, one a line (contacts no instance)",
     "Prints the name of every deployment option that get and set take, one a line, from the "
     "option table of this build (bash completion reads it). Contacts no instance."},
}};

const po::options_description& option_table() {
  static const po::options_description table = [] {
    po::options_description d;
    d.add_options()                                                                      //
        ("target,t", po::value<std::string>()->value_name("HOST:PORT"),                  //
         "the instance's management address (its mgmt-address and mgmt-port)")           //
        ("config,c", po::value<std::string>()->value_name("FILE"),                       //
         "find the address (and the token) in the deployment file instead, with --app")  //
        ("app,a", po::value<std::string>()->value_name("NAME"),                          //
         "the instance's application name in FILE (also -app NAME)")                     //
        ("token", po::value<std::string>()->value_name("TOKEN"),                         //
         "the deployment's mgmt-token (default: $SIPPROXY_MGMT_TOKEN, else FILE's); needed "
         "by set, drain, undrain and registrations whenever the deployment sets one (as it "
         "must when the port is off loopback)")                             //
        ("timeout", po::value<std::string>()->value_name("S"),              //
         "connect and reply deadline in seconds, at most 300 (default 5)")  //
        ("json,j", "print the reply as JSON")                               //
        ("help,h", "this help; with a command, the command's help");
    return d;
  }();
  return table;
}

std::optional<double> parse_timeout(const std::string& text) {
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || !(v > 0) || v > 300)
    return std::nullopt;
  return v;
}

std::string usage_line(std::string_view command) {
  std::string line =
      "Usage: sipproxyctl [--target HOST:PORT | --config FILE --app NAME] [options] ";
  if (command.empty()) return line + "COMMAND [ARGS]\n";
  const auto* c = cli::find_command(commands, command);
  return line + std::string(command) + (c && !c->arguments.empty() ? " " : "") +
         std::string(c ? c->arguments : "") + "\n";
}

}  // namespace

std::span<const cli::command_info> ctl_commands() {
  return commands;
}

ctl_args parse_ctl_args(const std::vector<std::string>& args,
                        std::optional<std::string> env_token) {
  ctl_args out;
  auto fail = [&](std::string why) {
    out.error = std::move(why);
    return out;
  };
  cli::parsed_line line;
  try {
    line = cli::parse(args, option_table(), {.single_dash_long = true});
  } catch (const cli::usage_error& e) {
    return fail(e.what());
  }
  const auto& vm = line.values;
  auto text = [&](const char* name) { return cli::value_of(vm, name); };
  out.words = std::move(line.words);
  out.target = text("target");
  out.config = text("config");
  out.app = text("app");
  out.token = vm.count("token") ? text("token") : env_token.value_or("");
  out.json = vm.count("json") > 0;
  if (!out.words.empty() && cli::find_command(commands, out.words[0]))
    out.error_command = out.words[0];

  if (vm.count("help") || (!out.words.empty() && out.words[0] == "help")) {
    out.help = true;
    std::size_t at = !out.words.empty() && out.words[0] == "help" ? 1 : 0;
    if (out.words.size() > at) out.help_command = out.words[at];
    if (out.words.size() > at + 1 && at == 1) return fail("help takes one COMMAND");
    if (!out.help_command.empty() && !cli::find_command(commands, out.help_command)) {
      out.help = false;
      out.error_command.clear();
      return fail(fmt::format("no help for '{}': not a command", out.help_command));
    }
    return out;
  }
  if (vm.count("timeout")) {
    auto t = parse_timeout(text("timeout"));
    if (!t)
      return fail(fmt::format("--timeout '{}': valid values: more than 0, at most 300 seconds",
                              text("timeout")));
    out.timeout_s = *t;
  }
  if (out.words.empty()) return fail("no command");
  if (out.words[0] == "option-names" && out.words.size() > 1)
    return fail("option-names takes no arguments");
  return out;
}

std::string ctl_usage(std::string_view command) {
  const auto* c = command.empty() ? nullptr : cli::find_command(commands, command);
  std::string out = usage_line(c ? command : std::string_view{});
  out += "\n";
  if (c) {
    out += cli::wrap(c->details, 0);
  } else {
    out += cli::wrap(
        "Queries and adjusts a running sipproxyd over its management port (mgmt-port). Options "
        "go before or after the command; '--' ends them.",
        0);
    out += "\nCommands:\n" + cli::format_commands(commands);
  }
  out += "\nOptions:\n" + cli::format_options(option_table());
  out += fmt::format("\nEnvironment:\n  {}  the default of --token\n", token_variable);
  out +=
      "\nExit status: 0 done, 1 refused by the instance, 2 usage or connection error.\n"
      "'sipproxyctl help COMMAND' describes one command. See sipproxyctl(8).\n";
  return out;
}

}  // namespace sipproxy::mgmt
