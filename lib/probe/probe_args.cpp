#include "probe/probe_args.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>

#include "cli/command_line.hpp"
#include "cli/help_text.hpp"

namespace sipproxy::probe {
namespace {

std::optional<long> parse_long(std::string_view text) {
  long v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

namespace po = boost::program_options;

constexpr std::array<cli::command_info, 3> commands = {{
    {"dns", "NAME", "A, AAAA and SIP SRV records of NAME, with TTLs",
     "Looks NAME up and prints every record with its TTL. ALL (the default) asks A, AAAA and "
     "the SRV records _sip._udp.NAME and _sip._tcp.NAME; SRV asks those two (or NAME itself "
     "when it starts with '_'). SRV targets are resolved to addresses."},
    {"options", "sip:HOST[:PORT][;transport=tcp]", "OPTIONS round trips: status and latency",
     "Sends OPTIONS (RFC 3261 section 11) to the URI, resolved as RFC 3263 says (a name "
     "without a port by SRV, then A/AAAA), and prints the status, reason and round-trip time "
     "of each probe, then loss and min/avg/max."},
    {"check", "--config FILE", "the whole deployment: DNS, SIP Servers, proxies",
     "Checks a whole deployment, one line per check, OK, FAIL or SKIP and why: "
     "contact-address resolves (A) to the host of every sipproxy-applications instance; "
     "internal-domain SRV (_sip._udp) lists every instance at its sip-port; every SIP Server "
     "member answers OPTIONS (503: inactive) and each pair has an active member; each "
     "feature server answers; each proxy instance answers."},
}};

constexpr std::array<std::string_view, 3> exit_status = {
    "Exit: 0 records found, 1 none (NXDOMAIN, no data, no answer), 2 usage error.\n",
    "Exit: 0 every probe answered 2xx; 1 a 503, another status, no answer or no\n"
    "address; 2 usage error.\n",
    "Exit: 0 every check passed, 1 any failed, 2 usage or configuration error.\n",
};

// The options every command takes.
po::options_description common_options() {
  po::options_description d;
  d.add_options()                                                            //
      ("server", po::value<std::string>()->value_name("IP[:PORT]"),          //
       "the DNS server to ask (default: /etc/resolv.conf)")                  //
      ("timeout", po::value<std::string>()->value_name("S"),                 //
       "seconds per DNS try (two tries) and per OPTIONS probe (default 2)")  //
      ("json", "one JSON object instead of the table")                       //
      ("help,h", "this help");
  return d;
}

// The options of one command.
po::options_description command_options(command c) {
  po::options_description d;
  switch (c) {
    case command::dns:
      d.add_options()("type", po::value<std::string>()->value_name("T"),
                      "which records: A, AAAA, SRV or ALL (default ALL)");
      break;
    case command::options:
      d.add_options()                                              //
          ("count", po::value<std::string>()->value_name("N"),     //
           "probes to send, 1-1000000 (default 1)")                //
          ("interval", po::value<std::string>()->value_name("S"),  //
           "seconds between probes (default 1)");
      break;
    case command::check:
      d.add_options()                                               //
          ("config", po::value<std::string>()->value_name("FILE"),  //
           "the deployment file (sipproxy.conf)")                   //
          ("app", po::value<std::string>()->value_name("NAME"),     //
           "the application whose view to load (default: the first of "
           "sipproxy-applications)");
      break;
    case command::none:
      break;
  }
  return d;
}

// What the parser accepts: every command's options; the command then checks its own.
const po::options_description& every_option() {
  static const po::options_description all = [] {
    po::options_description d;
    d.add(common_options());
    for (auto c : {command::dns, command::options, command::check}) d.add(command_options(c));
    return d;
  }();
  return all;
}

std::optional<command> parse_command(std::string_view name) {
  if (name == "dns") return command::dns;
  if (name == "options") return command::options;
  if (name == "check") return command::check;
  return std::nullopt;
}

std::size_t index_of(command c) {
  return static_cast<std::size_t>(c) - 1;
}

}  // namespace

std::optional<boost::asio::ip::udp::endpoint> parse_server(std::string_view text) {
  std::string host(text);
  std::uint16_t port = 53;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = std::string(text.substr(1, close - 1));
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      auto p = parse_long(rest.substr(1));
      if (!p || *p < 1 || *p > 65535) return std::nullopt;
      port = static_cast<std::uint16_t>(*p);
    }
  } else if (auto colon = text.rfind(':');
             colon != std::string_view::npos && text.find(':') == colon) {
    host = std::string(text.substr(0, colon));
    auto p = parse_long(text.substr(colon + 1));
    if (!p || *p < 1 || *p > 65535) return std::nullopt;
    port = static_cast<std::uint16_t>(*p);
  }
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  return boost::asio::ip::udp::endpoint(address, port);
}

std::optional<std::chrono::milliseconds> parse_seconds(std::string_view text, double max) {
  if (text.empty()) return std::nullopt;
  for (char c : text)
    if (!(c == '.' || (c >= '0' && c <= '9'))) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  if (!(v > 0) || v > max) return std::nullopt;
  auto ms = std::llround(v * 1000.0);
  if (ms < 1) ms = 1;
  return std::chrono::milliseconds(ms);
}

probe_args parse_args(const std::vector<std::string>& args) {
  probe_args out;
  auto fail = [&](std::string why) {
    out.error = std::move(why);
    return out;
  };
  cli::parsed_line line;
  try {
    line = cli::parse(args, every_option());
  } catch (const cli::usage_error& e) {
    return fail(e.what());
  }
  const auto& vm = line.values;
  auto given = [&](const char* name) { return vm.count(name) > 0; };
  auto value = [&](const char* name) { return cli::value_of(vm, name); };
  auto words = line.words;
  out.help = given("help");
  // `sipprobe help [COMMAND]` is `sipprobe [COMMAND] --help`.
  if (!words.empty() && words.front() == "help") {
    out.help = true;
    words.erase(words.begin());
  }
  out.json = given("json");
  if (words.empty()) {
    if (out.help) return out;
    return fail("no command given (dns, options or check)");
  }
  auto cmd = parse_command(words.front());
  if (!cmd) return fail("unknown command '" + words.front() + "' (dns, options or check)");
  out.cmd = *cmd;
  if (out.help) return out;

  // Another command's option is a mistake, named as such.
  po::options_description own = common_options();
  own.add(command_options(out.cmd));
  for (const auto& name : cli::given_options(vm, every_option()))
    if (!own.find_nothrow(name, false))
      return fail(fmt::format("--{} does not apply to '{}'", name, words.front()));

  if (given("server")) {
    out.server = parse_server(value("server"));
    if (!out.server)
      return fail("--server '" + value("server") + "' is not IP[:PORT] (e.g. 127.0.0.1:5353)");
  }
  if (given("timeout")) {
    auto t = parse_seconds(value("timeout"), 3600);
    if (!t)
      return fail("--timeout '" + value("timeout") + "' is not a number of seconds in (0, 3600]");
    out.timeout = *t;
  }
  switch (out.cmd) {
    case command::dns:
      if (given("type")) {
        std::string v = value("type");
        if (v == "A" || v == "a")
          out.dns.type = dns_query::a;
        else if (v == "AAAA" || v == "aaaa")
          out.dns.type = dns_query::aaaa;
        else if (v == "SRV" || v == "srv")
          out.dns.type = dns_query::srv;
        else if (v == "ALL" || v == "all")
          out.dns.type = dns_query::all;
        else
          return fail("--type '" + v + "' is not one of A, AAAA, SRV, ALL");
      }
      if (words.size() != 2) return fail("dns needs exactly one NAME");
      out.dns.name = words[1];
      while (out.dns.name.size() > 1 && out.dns.name.back() == '.') out.dns.name.pop_back();
      if (out.dns.name.empty() || out.dns.name.find_first_of(" \t/") != std::string::npos)
        return fail("'" + words[1] + "' is not a domain name");
      break;
    case command::options:
      if (given("count")) {
        auto n = parse_long(value("count"));
        if (!n || *n < 1 || *n > 1000000)
          return fail("--count '" + value("count") + "' is not in 1..1000000");
        out.options.count = static_cast<int>(*n);
      }
      if (given("interval")) {
        auto t = parse_seconds(value("interval"), 3600);
        if (!t)
          return fail("--interval '" + value("interval") +
                      "' is not a number of seconds in (0, 3600]");
        out.options.interval = *t;
      }
      if (words.size() != 2) return fail("options needs exactly one sip: URI");
      out.options.uri = words[1];
      if (!out.options.uri.starts_with("sip:") && !out.options.uri.starts_with("sips:"))
        return fail("'" + words[1] + "' is not a sip: URI (e.g. sip:127.0.0.1:5060)");
      break;
    case command::check:
      if (given("config")) {
        out.check.config = value("config");
        if (out.check.config.empty()) return fail("--config needs a file name");
      }
      if (given("app")) out.check.app = value("app");
      if (words.size() == 2 && out.check.config.empty())
        out.check.config = words[1];
      else if (words.size() != 1)
        return fail("check takes no arguments besides --config FILE");
      if (out.check.config.empty()) return fail("check needs --config FILE");
      break;
    case command::none:
      break;
  }
  return out;
}

std::string_view command_name(command cmd) {
  return cmd == command::none ? std::string_view{} : commands[index_of(cmd)].name;
}

std::string usage(command cmd) {
  if (cmd == command::none) {
    return "usage: sipprobe COMMAND [OPTIONS]   (sipprobe help COMMAND for more)\n"
           "\n"
           "Options, as --opt VALUE or --opt=VALUE, go before or after the command's\n"
           "arguments; '--' ends them. 'sipprobe help COMMAND' is 'sipprobe COMMAND --help'.\n"
           "\n"
           "Commands:\n" +
           cli::format_commands(commands) + "\nCommon options:\n" +
           cli::format_options(common_options()) +
           "\nExit: 0 healthy, 1 unhealthy, 2 usage or configuration error.\n";
  }
  const auto& c = commands[index_of(cmd)];
  po::options_description own = command_options(cmd);
  own.add(common_options());
  return fmt::format("usage: sipprobe {} {} [OPTIONS]\n\n", c.name, c.arguments) +
         cli::wrap(c.details, 0) + "\nOptions:\n" + cli::format_options(own) + "\n" +
         std::string(exit_status[index_of(cmd)]);
}

}  // namespace sipproxy::probe
