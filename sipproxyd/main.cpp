// sipproxyd: the proxy daemon. Parses the command line, loads the deployment file and
// runs the instance it names.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/command_line.hpp"
#include "cli/help_text.hpp"
#include "config/config_error.hpp"
#include "config/deployment_loader.hpp"
#include "config/option_table.hpp"
#include "config/test_timers.hpp"
#include "daemon/preflight.hpp"
#include "daemon/server.hpp"
#include "daemon/startup_error.hpp"
#include "log/logger.hpp"

namespace {

using namespace sipproxy;

constexpr int exit_usage = 2;
constexpr int exit_startup = 1;

namespace po = boost::program_options;

const po::options_description& option_table() {
  static const po::options_description table = [] {
    po::options_description d;
    d.add_options()                                                 //
        ("config,c", po::value<std::string>()->value_name("FILE"),  //
         "deployment file (INI; see sipproxy.conf(5))")             //
        ("app,a", po::value<std::string>()->value_name("NAME"),     //
         "this instance's application name (also -app NAME)")       //
        ("log-level,l", po::value<std::string>()->value_name("L"),  //
         "none | standard | interaction (alias info) | trace | debug (default: the [log] "
         "section's verbose, else standard); startup failures are always shown; debug "
         "prints every message received and sent")                       //
        ("log-file", po::value<std::string>()->value_name("FILE"),       //
         "append logs to FILE instead of stderr (over [log] outputs)")   //
        ("daemon", "detach from the terminal (use with --log-file)")     //
        ("threads", po::value<std::string>()->value_name("N"),           //
         "SIP worker threads; this version runs one (valid values: 1)")  //
        ("check", "validate the deployment file for NAME and exit")      //
        ("help,h", "this help")                                          //
        ("version,V", "print the version");
    return d;
  }();
  return table;
}

void print_help() {
  std::printf(
      "Usage: sipproxyd --config FILE --app NAME [options]\n"
      "\n"
      "The sipproxy daemon: a stateful SIP proxy (RFC 3261 section 16) in front of SIP Server\n"
      "HA pairs. It reads the deployment file, finds its own [NAME] section, binds UDP and TCP\n"
      "on the SIP port and serves in the foreground, logging to stderr.\n"
      "\n"
      "Options (--opt VALUE or --opt=VALUE):\n"
      "%s"
      "\n"
      "Signals: SIGTERM/SIGINT drain (new dialogs get 503, pending transactions finish, up\n"
      "to 5 s) and exit 0; a second one exits at once. SIGHUP re-reads the file and applies\n"
      "the options that take effect immediately.\n"
      "\n"
      "Environment:\n"
      "  %-24s  shortens internal timers, for testing only (see\n"
      "                            sipproxyd(8)); sipproxyd logs a warning when it is set\n"
      "  SIPPROXY_REDIS_QUEUE_CAP  the bound of the queue of changes kept for an\n"
      "                            unavailable Redis, 1-20000 (default); a test knob\n"
      "\n"
      "Exit status: 0 after a clean stop or a passed --check, 1 when startup fails\n"
      "(configuration, address, listener), 2 on a command-line error.\n"
      "\n"
      "Deployment options ([sipproxy] section, overridable per application section):\n",
      cli::format_options(option_table()).c_str(), config::test_timers_variable);
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
  std::fputs(cli::usage_error_line("sipproxyd", what).c_str(), stderr);
  std::exit(exit_usage);
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path, app;
  log::log_overrides log_cli;
  bool daemonize = false, check_only = false;

  cli::parsed_line line;
  try {
    line = cli::parse(std::vector<std::string>(argv + 1, argv + argc), option_table(),
                      {.single_dash_long = true});
  } catch (const cli::usage_error& e) {
    usage_error(e.what());
  }
  const po::variables_map& vm = line.values;
  auto value_of = [&](const char* name) { return cli::value_of(vm, name); };
  if (vm.count("help")) {
    print_help();
    return 0;
  }
  if (vm.count("version")) {
    std::printf("sipproxyd %s\n", SIPPROXY_VERSION);
    return 0;
  }
  if (!line.words.empty()) usage_error(fmt::format("unexpected argument '{}'", line.words[0]));
  config_path = value_of("config");
  app = value_of("app");
  if (vm.count("log-level")) {
    std::string v = value_of("log-level");
    log::level lvl;
    if (!log::parse_level(v, lvl))
      usage_error(fmt::format(
          "--log-level '{}': valid values: none, standard, interaction, trace, debug", v));
    log_cli.verbose = lvl;
  }
  log_cli.file = value_of("log-file");
  daemonize = vm.count("daemon") > 0;
  check_only = vm.count("check") > 0;
  if (vm.count("threads") && value_of("threads") != "1")
    usage_error(fmt::format("--threads '{}': valid values: 1 (this version runs one SIP worker)",
                            value_of("threads")));
  if (config_path.empty()) usage_error("--config FILE is required");
  if (app.empty()) usage_error("--app NAME is required");

  if (std::string bad = log::apply(std::nullopt, log_cli); !bad.empty())
    usage_error(fmt::format("--log-file '{}': cannot open it for appending", bad));

  // For the test suite only: shorter internal timers. Never silent.
  daemon::server_options options;
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
      daemon::preflight(settings);
    } catch (const daemon::startup_error& e) {
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
    daemon::server server(std::move(settings), options);
    return server.run();
  } catch (const daemon::startup_error& e) {
    startup_failure(e.event(), e.what());
    return exit_startup;
  }
}
