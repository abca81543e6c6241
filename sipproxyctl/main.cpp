// sipproxyctl: query and adjust a running sipproxyd over its management port.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/command_line.hpp"
#include "config/config_error.hpp"
#include "config/deployment_loader.hpp"
#include "config/option_table.hpp"
#include "mgmt/client.hpp"
#include "mgmt/ctl_args.hpp"

namespace {

using namespace sipproxy;

constexpr int exit_refused = 1;
constexpr int exit_usage = 2;

[[noreturn]] void fail(int code, const std::string& what) {
  std::fprintf(stderr, "sipproxyctl: %s\n", what.c_str());
  std::exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<std::string> env_token;
  if (const char* env = std::getenv(mgmt::token_variable)) env_token = env;
  mgmt::ctl_args args =
      mgmt::parse_ctl_args(std::vector<std::string>(argv + 1, argv + argc), env_token);
  if (!args.error.empty()) {
    std::fputs(cli::usage_error_line("sipproxyctl", args.error, args.error_command).c_str(),
               stderr);
    return exit_usage;
  }
  if (args.help) {
    std::fputs(mgmt::ctl_usage(args.help_command).c_str(), stdout);
    return 0;
  }
  if (args.words[0] == "option-names") {
    for (const auto& o : config::options()) std::printf("%s\n", std::string(o.name).c_str());
    return 0;
  }

  std::string host;
  std::uint16_t port = 0;
  std::string token = args.token;
  if (!args.target.empty()) {
    std::size_t colon = args.target.rfind(':');
    int p = colon == std::string::npos ? 0 : std::atoi(args.target.c_str() + colon + 1);
    if (p < 1 || p > 65535)
      fail(exit_usage, fmt::format("--target '{}': expected HOST:PORT", args.target));
    host = args.target.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    port = static_cast<std::uint16_t>(p);
  } else if (!args.config.empty()) {
    if (args.app.empty()) fail(exit_usage, "--config needs --app NAME");
    try {
      auto s = config::load_deployment(args.config, args.app);
      if (!s.self.mgmt_port)
        fail(exit_usage, fmt::format("[{}] in {} has no mgmt-port", args.app, args.config));
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
  r.cmd = args.words[0];
  r.args.assign(args.words.begin() + 1, args.words.end());
  r.token = token;
  auto result = mgmt::call(host, port, r,
                           std::chrono::milliseconds(static_cast<long>(args.timeout_s * 1000)));
  if (!result.error.empty()) fail(exit_usage, fmt::format("{}:{}: {}", host, port, result.error));
  if (args.json) {
    std::printf("%s\n", result.reply.dump(2).c_str());
  } else {
    try {
      std::fputs(mgmt::render(r.cmd, result.reply).c_str(), stdout);
    } catch (const nlohmann::json::exception& e) {
      // A reply of another shape (another version of sipproxyd): say so, show it raw.
      std::fprintf(stderr, "sipproxyctl: %s:%u: reply not understood (%s); as sent:\n%s\n",
                   host.c_str(), static_cast<unsigned>(port), e.what(),
                   result.reply.dump(2).c_str());
      return exit_refused;
    }
  }
  return result.reply.value("ok", false) ? 0 : exit_refused;
}
