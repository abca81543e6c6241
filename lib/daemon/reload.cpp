#include "daemon/reload.hpp"

#include <fmt/format.h>

#include "config/config_error.hpp"
#include "config/deployment_loader.hpp"
#include "config/option_table.hpp"
#include "config/printable_value.hpp"
#include "daemon/instance.hpp"
#include "log/logger.hpp"

namespace sipproxy::daemon {

namespace {

// Copies the changed options that take effect immediately into `running`, logging each
// change (and each one that waits for a restart); returns how many it copied.
int take_immediate_options(config::settings& running, config::settings& fresh) {
  int changed = 0;
  for (const auto& spec : config::options()) {
    std::string name(spec.name);
    const std::string& before = running.values[name];
    const std::string& after = fresh.values[name];
    if (before == after) continue;
    // Secrets (mgmt-token, a Redis password) are never printed, only that they changed.
    std::string was = config::printable_value(name, before);
    std::string now = config::printable_value(name, after);
    if (config::is_secret_option(name) && !before.empty() && !after.empty())
      now = "(set, a different value)";
    if (spec.effect == config::takes_effect::after_restart) {
      log::standard(
          "reload: option '{}' changed ('{}' -> '{}') but takes effect after restart; "
          "still using '{}'",
          name, was, now, was);
      continue;
    }
    log::standard("reload: option '{}' changed from '{}' to '{}' (takes effect {})", name, was, now,
                  config::describe_effect(spec.effect));
    running.values[name] = after;
    ++changed;
  }
  return changed;
}

void log_changed_servers(const config::settings& running, const config::settings& fresh) {
  auto describe = [](const config::sip_server_app& a) {
    return fmt::format("primary {}:{}{} backup {} geo-location '{}'", a.primary.host,
                       a.primary.port, a.primary.tcp ? ";transport=tcp" : "",
                       a.backup ? fmt::format("{}:{}", a.backup->host, a.backup->port) : "none",
                       a.geo_location);
  };
  for (const auto& app : fresh.servers) {
    for (const auto& old : running.servers) {
      if (old.name == app.name && describe(old) != describe(app))
        log::standard("reload: SIP Server [{}] changed ({} -> {}) but takes effect after restart",
                      app.name, describe(old), describe(app));
    }
  }
}

// [log] takes effect immediately, as the Framework's log options do; the command line
// still wins. Returns whether it was applied.
bool take_log_section(instance& m, const config::settings& fresh) {
  if (fresh.log == m.settings.log) return false;
  if (std::string bad = log::apply(fresh.log, m.options.log_cli); !bad.empty()) {
    log::event(log::event_id::error_reading_config_data,
               "reload: [log] output '{}' cannot be opened for appending; keeping the running "
               "log options",
               bad);
    log::apply(m.settings.log, m.options.log_cli);
    return false;
  }
  log::standard("reload: [log] applied{}",
                m.options.log_cli.verbose || !m.options.log_cli.file.empty()
                    ? " (the command line's --log-level/--log-file still win)"
                    : "");
  m.settings.log = fresh.log;
  return true;
}

}  // namespace

void reload(instance& m) {
  config::settings fresh;
  try {
    fresh = config::load_deployment(m.settings.file, m.settings.app);
  } catch (const config::config_error& e) {
    log::event(log::event_id::error_reading_config_data,
               "reload refused, keeping the running "
               "configuration: {}",
               e.what());
    return;
  }
  int changed = take_immediate_options(m.settings, fresh);
  log_changed_servers(m.settings, fresh);
  if (take_log_section(m, fresh)) ++changed;
  // The certificate and key files are read again even when their names did not change
  // (a renewed certificate is written over the old one).
  for (const auto& [name, line] : fresh.lines) {
    if (name.starts_with("tls-")) m.settings.lines[name] = line;
  }
  m.runtime.reread_tls();
  m.runtime.apply();
  log::standard("reload of {} done: {} option(s) applied", m.settings.file, changed);
}

}  // namespace sipproxy::daemon
