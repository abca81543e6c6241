// One running proxy instance: it resolves what the configuration names, binds the SIP
// port, assembles the layers (transport → transactions → proxy core) on an event loop,
// and handles the process signals (SIGTERM/SIGINT drain and stop, SIGHUP reload).
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "config/settings.hpp"
#include "config/test_timers.hpp"
#include "log/event_id.hpp"
#include "log/logger.hpp"

namespace sipproxy::proxy {

// A failure before the proxy serves: the seed's event and a sentence for the operator.
class startup_error : public std::runtime_error {
 public:
  startup_error(log::event_id id, const std::string& what) : std::runtime_error(what), id_(id) {}
  log::event_id event() const { return id_; }

 private:
  log::event_id id_;
};

// The checks startup makes before binding, without binding: this instance is in the
// pool and its host is an address of this machine (40000), the host names resolve (40005, 40003).
// Throws startup_error.
void preflight(const config::settings& settings);

struct server_options {
  // The internal timers (OPTIONS probe deadline, peer heartbeat and digest check,
  // reconnection, DNS refresh floor, SIGTERM drain): the real values unless the tests
  // shorten them (sipproxyd reads SIPPROXY_TEST_TIMERS).
  config::test_timers timers;
  log::log_overrides log_cli;  // what the command line said (wins over [log])
};

class proxy_server {
 public:
  // Resolves names and binds the SIP port; throws startup_error.
  proxy_server(config::settings settings, server_options options = {});
  ~proxy_server();

  // Serves until SIGTERM/SIGINT (or stop()); returns the process exit code.
  int run();
  void stop();
  // Re-reads the deployment file and applies the options that take effect immediately.
  void reload();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sipproxy::proxy
