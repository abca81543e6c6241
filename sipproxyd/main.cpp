// sipproxyd: the proxy daemon. Parses the command line, loads the deployment file and
// runs the instance it names.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config_error.hpp"
#include "config/deployment_loader.hpp"
#include "config/option_table.hpp"
#include "config/test_timers.hpp"
#include "log/logger.hpp"
#include "proxy/proxy_server.hpp"

namespace {

using namespace sipproxy;

constexpr int exit_usage = 2;
constexpr int exit_startup = 1;

void print_help() {
  std::printf(
      "Usage: sipproxyd --config FILE --app NAME [options]\n"
      "\n"
      "The sipproxy daemon: a stateful SIP proxy (RFC 3261 section 16) in front of SIP Server\n"
      "HA pairs. It reads the deployment file, finds its own [NAME] section, binds UDP and TCP\n"
      "on the SIP port and serves in the foreground, logging to stderr.\n"
      "\n"
      "Options:\n"
      "  -c, --config FILE     deployment file (INI; see sipproxy.conf(5))\n"
      "  -a, --app NAME        this instance's application name (also -app NAME)\n"
      "  -l, --log-level L     none | standard | interaction (alias info) | trace | debug\n"
      "                        (default: the [log] section's verbose, else standard);\n"
      "                        startup failures are always shown; debug prints every\n"
      "                        message received and sent\n"
      "      --log-file FILE   append logs to FILE instead of stderr (over [log] outputs)\n"
      "      --daemon          detach from the terminal (use with --log-file)\n"
      "      --threads N       SIP worker threads; this version runs one (valid values: 1)\n"
      "      --check           validate the deployment file for NAME and exit\n"
      "  -h, --help            this help\n"
      "  -V, --version         print the version\n"
      "\n"
      "Signals: SIGTERM/SIGINT drain (new dialogs get 503, pending transactions finish, up\n"
      "to 5 s) and exit 0; a second one exits at once. SIGHUP re-reads the file and applies\n"
      "the options that take effect immediately.\n"
      "\n"
      "Environment: SIPPROXY_TEST_TIMERS shortens internal timers, for testing only (see\n"
      "sipproxyd(8)); sipproxyd logs a warning when it is set.\n"
      "\n"
      "Exit status: 0 after a clean stop or a passed --check, 1 when startup fails\n"
      "(configuration, address, listener), 2 on a command-line error.\n"
      "\n"
      "Deployment options ([sipproxy] section, overridable per application section):\n");
  for (const auto& o : config::options()) {
    std::string def = o.default_value.empty() ? "NULL" : std::string(o.default_value);
    std::string notes;
    if (o.mode != config::applies_to::both)
      notes += fmt::format(" (seed: {} only)", config::describe_mode(o.mode));
    if (o.scope == config::option_scope::application) notes += " (application section only)";
    std::printf("  %-26s default %-11s valid: %s; takes effect %s%s\n", std::string(o.name).c_str(),
                def.c_str(), config::describe_range(o).c_str(),
                std::string(config::describe_effect(o.effect)).c_str(), notes.c_str());
  }
  std::printf("\nSee sipproxyd(8) and sipproxy.conf(5).\n");
}

// Startup failures are shown whatever the log level: a silent exit helps nobody.
void startup_failure(log::event_id id, const std::string& text) {
  if (!log::enabled(log::level::standard)) log::set_level(log::level::standard);
  log::event(id, "{}", text);
}

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "sipproxyd: %s\nTry 'sipproxyd --help'.\n", what.c_str());
  std::exit(exit_usage);
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path, app;
  log::log_overrides log_cli;
  bool daemonize = false, check_only = false;

  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view name) -> std::string {
      if (i + 1 >= argc) usage_error(fmt::format("option {} needs a value", name));
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      print_help();
      return 0;
    } else if (a == "-V" || a == "--version") {
      std::printf("sipproxyd %s\n", SIPPROXY_VERSION);
      return 0;
    } else if (a == "-c" || a == "--config") {
      config_path = value(a);
    } else if (a == "-a" || a == "--app" || a == "-app") {
      app = value(a);
    } else if (a == "-l" || a == "--log-level") {
      std::string v = value(a);
      log::level lvl;
      if (!log::parse_level(v, lvl))
        usage_error(fmt::format(
            "--log-level '{}': valid values: none, standard, interaction, trace, debug", v));
      log_cli.verbose = lvl;
    } else if (a == "--log-file") {
      log_cli.file = value(a);
    } else if (a == "--daemon") {
      daemonize = true;
    } else if (a == "--check") {
      check_only = true;
    } else if (a == "--threads") {
      std::string v = value(a);
      if (v != "1")
        usage_error(
            fmt::format("--threads '{}': valid values: 1 (this version runs one SIP worker)", v));
    } else {
      usage_error(fmt::format("unknown argument '{}'", a));
    }
  }
  if (config_path.empty()) usage_error("--config FILE is required");
  if (app.empty()) usage_error("--app NAME is required");

  if (std::string bad = log::apply(std::nullopt, log_cli); !bad.empty())
    usage_error(fmt::format("--log-file '{}': cannot open it for appending", bad));

  // For the test suite only: shorter internal timers. Never silent.
  proxy::server_options options;
  if (const char* text = std::getenv(config::test_timers_variable)) {
    std::string error;
    if (!config::parse_test_timers(text, options.timers, error))
      usage_error(fmt::format("{}: {}", config::test_timers_variable, error));
    std::string warning = fmt::format(
        "WARNING: {} is set (for testing only): internal timers are {} instead of the real "
        "values; unset it in production",
        config::test_timers_variable, config::describe(options.timers));
    if (log::enabled(log::level::standard))
      log::standard("{}", warning);
    else
      std::fprintf(stderr, "sipproxyd: %s\n", warning.c_str());
  }

  config::settings settings;
  try {
    settings = config::load_deployment(config_path, app);
  } catch (const config::config_error& e) {
    startup_failure(log::event_id::error_reading_config_data,
                    std::string("Error while reading configuration data: ") + e.what());
    return exit_startup;
  }
  if (check_only) {
    try {
      proxy::preflight(settings);
    } catch (const proxy::startup_error& e) {
      startup_failure(e.event(), e.what());
      return exit_startup;
    }
    std::printf("%s: configuration for %s is valid (%s mode, %zu SIP Server pair(s))\n",
                config_path.c_str(), app.c_str(), settings.standalone() ? "standalone" : "cluster",
                settings.servers.size());
    return 0;
  }
  if (settings.log) {
    if (std::string bad = log::apply(settings.log, log_cli); !bad.empty()) {
      startup_failure(log::event_id::error_reading_config_data,
                      fmt::format("Error while reading configuration data: {}: [log] output '{}' "
                                  "cannot be opened for appending",
                                  config_path, bad));
      return exit_startup;
    }
  }
  if (daemonize) {
    bool to_file = !log_cli.file.empty();
    if (settings.log && log_cli.file.empty())
      for (const auto& o : settings.log->outputs)
        to_file = to_file || (o.target != "stdout" && o.target != "stderr");
    if (!to_file)
      std::fprintf(stderr,
                   "sipproxyd: --daemon without --log-file or a file output in [log]: logs are "
                   "discarded\n");
    if (::daemon(1, 0) != 0) {
      std::perror("sipproxyd: daemon");
      return exit_startup;
    }
  }
  try {
    options.log_cli = log_cli;
    proxy::proxy_server server(std::move(settings), options);
    return server.run();
  } catch (const proxy::startup_error& e) {
    startup_failure(e.event(), e.what());
    return exit_startup;
  }
}
