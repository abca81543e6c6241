#include "daemon/server.hpp"

#include <boost/asio/post.hpp>

#include "daemon/configured_names.hpp"
#include "daemon/drain.hpp"
#include "daemon/instance.hpp"
#include "daemon/preflight.hpp"
#include "daemon/reload.hpp"
#include "daemon/signals.hpp"
#include "daemon/startup.hpp"
#include "log/logger.hpp"

namespace sipproxy::daemon {

struct server::impl {
  instance parts;
  drain shutdown{parts};
  signals process_signals{parts.io, [this] { daemon::reload(parts); },
                          [this](int sig) {
                            log::standard(
                                "signal {} received: draining (up to {:g} s), then stopping", sig,
                                std::chrono::duration<double>(parts.options.timers.drain).count());
                            shutdown.begin();
                          }};
};

server::server(config::settings settings, server_options options)
    : impl_(std::make_unique<impl>()) {
  instance& m = impl_->parts;
  m.settings = std::move(settings);
  m.options = options;
  preflight(m.settings);
  settle_mgmt_addresses(m.settings);
  build_routing(m);
  build_layers(m);
  build_shared_state(m);
  build_core(m);
  sync_shared_state(m);
  bind_sip(m);
  bind_management(m);
  start_services(m);
  log_initialized(m);
}

server::~server() {
  if (impl_ && impl_->parts.driver) impl_->parts.driver->stop();
}

int server::run() {
  impl_->process_signals.start();
  impl_->parts.io.run();
  impl_->process_signals.cancel();
  log::standard("{} stopped", impl_->parts.settings.app);
  return 0;
}

void server::stop() {
  boost::asio::post(impl_->parts.io, [this] { impl_->shutdown.begin(); });
}

void server::reload() {
  daemon::reload(impl_->parts);
}

}  // namespace sipproxy::daemon
