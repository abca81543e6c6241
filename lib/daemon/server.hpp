// One running proxy instance: builds it from the deployment (daemon/startup.hpp), serves
// on its event loop, and handles the process signals (SIGTERM/SIGINT drain and stop,
// SIGHUP reload).
#pragma once

#include <memory>

#include "config/settings.hpp"
#include "daemon/server_options.hpp"

namespace sipproxy::daemon {

class server {
 public:
  // Resolves names, builds the layers, binds the ports and starts the services; throws
  // startup_error.
  server(config::settings settings, server_options options = {});
  ~server();

  // Serves until SIGTERM/SIGINT (or stop()) has drained; returns the process exit code.
  int run();
  // Drains, then stops (as SIGTERM).
  void stop();
  // Re-reads the deployment file and applies the options that take effect immediately.
  void reload();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sipproxy::daemon
