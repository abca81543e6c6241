#include "probe/probe_args.hpp"

#include <charconv>
#include <cmath>

namespace sipproxy::probe {
namespace {

std::optional<long> parse_long(std::string_view text) {
  long v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<command> parse_command(std::string_view name) {
  if (name == "dns") return command::dns;
  if (name == "options") return command::options;
  if (name == "check") return command::check;
  return std::nullopt;
}

std::string_view command_name(command c) {
  switch (c) {
    case command::dns:
      return "dns";
    case command::options:
      return "options";
    case command::check:
      return "check";
    case command::none:
      break;
  }
  return "";
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
  std::vector<std::string> positional;
  auto fail = [&](std::string why) {
    out.error = std::move(why);
    return out;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::string value;
    bool has_inline = false;
    if (arg.starts_with("--")) {
      if (auto eq = arg.find('='); eq != std::string::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_inline = true;
      }
    }
    auto take = [&](std::string& into) {
      if (has_inline) {
        into = value;
        return true;
      }
      if (i + 1 >= args.size()) return false;
      into = args[++i];
      return true;
    };
    if (arg == "-h" || arg == "--help") {
      out.help = true;
      continue;
    }
    if (arg == "--json") {
      out.json = true;
      continue;
    }
    if (arg.size() > 1 && arg.front() == '-') {
      // Options with a value, valid only for some commands (checked below).
      static const std::vector<std::string> with_value = {
          "--server", "--timeout", "--type", "--count", "--interval", "--config", "--app"};
      bool known = false;
      for (const auto& k : with_value) known = known || arg == k;
      if (!known) return fail("unknown option '" + arg + "'");
      std::string v;
      if (!take(v)) return fail("option '" + arg + "' needs a value");
      if (arg == "--server") {
        out.server = parse_server(v);
        if (!out.server) return fail("--server '" + v + "' is not IP[:PORT] (e.g. 127.0.0.1:5353)");
      } else if (arg == "--timeout") {
        auto t = parse_seconds(v, 3600);
        if (!t) return fail("--timeout '" + v + "' is not a number of seconds in (0, 3600]");
        out.timeout = *t;
      } else if (arg == "--type") {
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
        positional.push_back("\x01--type");
      } else if (arg == "--count") {
        auto n = parse_long(v);
        if (!n || *n < 1 || *n > 1000000) return fail("--count '" + v + "' is not in 1..1000000");
        out.options.count = static_cast<int>(*n);
        positional.push_back("\x01--count");
      } else if (arg == "--interval") {
        auto t = parse_seconds(v, 3600);
        if (!t) return fail("--interval '" + v + "' is not a number of seconds in (0, 3600]");
        out.options.interval = *t;
        positional.push_back("\x01--interval");
      } else if (arg == "--config") {
        if (v.empty()) return fail("--config needs a file name");
        out.check.config = v;
        positional.push_back("\x01--config");
      } else if (arg == "--app") {
        out.check.app = v;
        positional.push_back("\x01--app");
      }
      continue;
    }
    positional.push_back(arg);
  }

  // The command is the first positional word; the markers record command-only options.
  std::vector<std::string> words;
  std::vector<std::string> markers;
  for (auto& p : positional) (p.starts_with('\x01') ? markers : words).push_back(p);
  if (words.empty()) {
    if (out.help) return out;
    return fail("no command given (dns, options or check)");
  }
  auto cmd = parse_command(words.front());
  if (!cmd) return fail("unknown command '" + words.front() + "' (dns, options or check)");
  out.cmd = *cmd;
  if (out.help) return out;

  auto allowed = [&](std::initializer_list<std::string_view> names) -> std::string {
    for (const auto& m : markers) {
      std::string_view opt = std::string_view(m).substr(1);
      bool ok = false;
      for (auto n : names) ok = ok || n == opt;
      if (!ok)
        return std::string(opt) + " does not apply to '" + std::string(command_name(out.cmd)) + "'";
    }
    return {};
  };
  std::string bad;
  switch (out.cmd) {
    case command::dns:
      bad = allowed({"--type"});
      if (!bad.empty()) return fail(bad);
      if (words.size() != 2) return fail("dns needs exactly one NAME");
      out.dns.name = words[1];
      while (out.dns.name.size() > 1 && out.dns.name.back() == '.') out.dns.name.pop_back();
      if (out.dns.name.empty() || out.dns.name.find_first_of(" \t/") != std::string::npos)
        return fail("'" + words[1] + "' is not a domain name");
      break;
    case command::options:
      bad = allowed({"--count", "--interval"});
      if (!bad.empty()) return fail(bad);
      if (words.size() != 2) return fail("options needs exactly one sip: URI");
      out.options.uri = words[1];
      if (!out.options.uri.starts_with("sip:") && !out.options.uri.starts_with("sips:"))
        return fail("'" + words[1] + "' is not a sip: URI (e.g. sip:127.0.0.1:5060)");
      break;
    case command::check:
      bad = allowed({"--config", "--app"});
      if (!bad.empty()) return fail(bad);
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

std::string usage(command cmd) {
  switch (cmd) {
    case command::dns:
      return "usage: sipprobe dns NAME [--type A|AAAA|SRV|ALL] [--server IP[:PORT]]\n"
             "                    [--timeout S] [--json]\n"
             "\n"
             "Looks NAME up and prints every record with its TTL. ALL (the default) asks A,\n"
             "AAAA and the SRV records _sip._udp.NAME and _sip._tcp.NAME; SRV asks those two\n"
             "(or NAME itself when it starts with '_'). SRV targets are resolved to addresses.\n"
             "\n"
             "  --type T        which records: A, AAAA, SRV or ALL (default ALL)\n"
             "  --server IP:P   the DNS server to ask (default: /etc/resolv.conf)\n"
             "  --timeout S     seconds per try, two tries (default 2)\n"
             "  --json          one JSON object instead of the table\n"
             "\n"
             "Exit: 0 records found, 1 none (NXDOMAIN, no data, no answer), 2 usage error.\n";
    case command::options:
      return "usage: sipprobe options sip:HOST[:PORT][;transport=tcp] [--count N]\n"
             "                        [--interval S] [--timeout S] [--server IP[:PORT]] [--json]\n"
             "\n"
             "Sends OPTIONS (RFC 3261 §11) to the URI, resolved as RFC 3263 says (a name\n"
             "without a port by SRV, then A/AAAA), and prints the status, reason and round-trip\n"
             "time of each probe, then loss and min/avg/max.\n"
             "\n"
             "  --count N       probes to send (default 1)\n"
             "  --interval S    seconds between probes (default 1)\n"
             "  --timeout S     seconds to wait for each answer (default 2)\n"
             "  --server IP:P   the DNS server for host names (default: /etc/resolv.conf)\n"
             "  --json          one JSON object instead of the table\n"
             "\n"
             "Exit: 0 every probe answered 2xx; 1 a 503, another status, no answer or no\n"
             "address; 2 usage error.\n";
    case command::check:
      return "usage: sipprobe check --config FILE [--app NAME] [--server IP[:PORT]]\n"
             "                      [--timeout S] [--json]\n"
             "\n"
             "Checks a whole deployment, one line per check, OK, FAIL or SKIP and why:\n"
             "  contact-address resolves (A) to the host of every sipproxy-applications instance;\n"
             "  internal-domain SRV (_sip._udp) lists every instance at its sip-port;\n"
             "  every SIP Server member answers OPTIONS (503: inactive) and each pair has an\n"
             "  active member; the feature server answers; each proxy instance answers.\n"
             "\n"
             "  --config FILE   the deployment file (sipproxy.conf)\n"
             "  --app NAME      the application whose view to load (default: the first of\n"
             "                  sipproxy-applications)\n"
             "  --server IP:P   the DNS server to ask (default: /etc/resolv.conf)\n"
             "  --timeout S     seconds per DNS try and per OPTIONS probe (default 2)\n"
             "  --json          one JSON object instead of the lines\n"
             "\n"
             "Exit: 0 every check passed, 1 any failed, 2 usage or configuration error.\n";
    case command::none:
      break;
  }
  return "usage: sipprobe COMMAND [OPTIONS]   (sipprobe COMMAND --help for more)\n"
         "\n"
         "  dns NAME                 A, AAAA and SIP SRV records of NAME, with TTLs\n"
         "  options sip:HOST[:PORT]  OPTIONS round trips: status and latency\n"
         "  check --config FILE      the whole deployment: DNS, SIP Servers, proxies\n"
         "\n"
         "Common options: --server IP[:PORT] (DNS server), --timeout S, --json, --help.\n"
         "Exit: 0 healthy, 1 unhealthy, 2 usage or configuration error.\n";
}

}  // namespace sipproxy::probe
