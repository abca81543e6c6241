// sipproxyctl: query and adjust a running sipproxyd over its management port.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "config/deployment_loader.hpp"
#include "mgmt/client.hpp"

namespace {

using namespace sipproxy;

constexpr int exit_refused = 1;
constexpr int exit_usage = 2;

void print_help() {
  std::printf(
      "Usage: sipproxyctl [--target HOST:PORT | --config FILE --app NAME] [options] COMMAND "
      "[ARGS]\n"
      "\n"
      "Queries and adjusts a running sipproxyd over its management port (mgmt-port).\n"
      "\n"
      "Commands:\n"
      "  status                 version, uptime, mode, listeners, counters, alarms\n"
      "  servers                each SIP Server pair (members) and each Feature Server: state,\n"
      "                         last OPTIONS round trip\n"
      "  registrations [AOR]    the number of bindings, or the bindings of AOR (sip:user@host)\n"
      "  dialogs                transactions and sessions in progress\n"
      "  peers                  the other instances of the pool\n"
      "  get OPTION             an option's value, default, valid values, when it takes effect\n"
      "  set OPTION VALUE       change an option that takes effect immediately (not written\n"
      "                         to the file); others are refused with the reason\n"
      "  drain | undrain        refuse new dialogs and answer OPTIONS pings with 503 / end it\n"
      "\n"
      "Options:\n"
      "  -t, --target HOST:PORT the instance's management address\n"
      "  -c, --config FILE      find it in the deployment file instead (with --app)\n"
      "  -a, --app NAME         the instance's application name in FILE\n"
      "      --token TOKEN      the deployment's mgmt-token (default: $SIPPROXY_MGMT_TOKEN,\n"
      "                         else FILE's); needed by set/drain/undrain whenever the\n"
      "                         deployment sets one (it must off loopback)\n"
      "      --timeout S        connect and reply deadline in seconds (default 5)\n"
      "  -j, --json             print the reply as JSON\n"
      "  -h, --help             this help\n"
      "\n"
      "Exit status: 0 done, 1 refused by the instance, 2 usage or connection error.\n"
      "See sipproxyctl(8).\n");
}

[[noreturn]] void fail(int code, const std::string& what) {
  std::fprintf(stderr, "sipproxyctl: %s\n", what.c_str());
  std::exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  std::string target, config_path, app, token;
  bool as_json = false;
  double timeout_s = 5;
  std::vector<std::string> words;
  if (const char* env = std::getenv("SIPPROXY_MGMT_TOKEN")) token = env;

  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view name) -> std::string {
      if (i + 1 >= argc) fail(exit_usage, fmt::format("option {} needs a value", name));
      return argv[++i];
    };
    if (!words.empty()) {
      words.emplace_back(a);
    } else if (a == "-h" || a == "--help") {
      print_help();
      return 0;
    } else if (a == "-t" || a == "--target") {
      target = value(a);
    } else if (a == "-c" || a == "--config") {
      config_path = value(a);
    } else if (a == "-a" || a == "--app" || a == "-app") {
      app = value(a);
    } else if (a == "--token") {
      token = value(a);
    } else if (a == "--timeout") {
      try {
        timeout_s = std::stod(value(a));
      } catch (...) {
        timeout_s = -1;
      }
      if (timeout_s <= 0 || timeout_s > 300)
        fail(exit_usage, "--timeout: valid values: 0-300 seconds");
    } else if (a == "-j" || a == "--json") {
      as_json = true;
    } else if (!a.empty() && a[0] == '-') {
      fail(exit_usage, fmt::format("unknown option '{}'; try 'sipproxyctl --help'", a));
    } else {
      words.emplace_back(a);
    }
  }
  if (words.empty()) fail(exit_usage, "no command; try 'sipproxyctl --help'");

  std::string host;
  std::uint16_t port = 0;
  if (!target.empty()) {
    std::size_t colon = target.rfind(':');
    int p = colon == std::string::npos ? 0 : std::atoi(target.c_str() + colon + 1);
    if (p < 1 || p > 65535)
      fail(exit_usage, fmt::format("--target '{}': expected HOST:PORT", target));
    host = target.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    port = static_cast<std::uint16_t>(p);
  } else if (!config_path.empty()) {
    if (app.empty()) fail(exit_usage, "--config needs --app NAME");
    try {
      auto s = config::load_deployment(config_path, app);
      if (!s.self.mgmt_port)
        fail(exit_usage, fmt::format("[{}] in {} has no mgmt-port", app, config_path));
      host = s.self.mgmt_address;
      port = *s.self.mgmt_port;
      if (token.empty()) token = s.mgmt_token;
    } catch (const config::config_error& e) {
      fail(exit_usage, e.what());
    }
  } else {
    fail(exit_usage, "say which instance: --target HOST:PORT, or --config FILE --app NAME");
  }

  mgmt::request r;
  r.cmd = words[0];
  r.args.assign(words.begin() + 1, words.end());
  r.token = token;
  auto result =
      mgmt::call(host, port, r, std::chrono::milliseconds(static_cast<long>(timeout_s * 1000)));
  if (!result.error.empty()) fail(exit_usage, fmt::format("{}:{}: {}", host, port, result.error));
  if (as_json) {
    std::printf("%s\n", result.reply.dump(2).c_str());
  } else {
    std::fputs(mgmt::render(r.cmd, result.reply).c_str(), stdout);
  }
  return result.reply.value("ok", false) ? 0 : exit_refused;
}
