#include "daemon/runtime_options.hpp"

#include <fmt/format.h>

#include "config/deployment_loader.hpp"
#include "daemon/configured_names.hpp"
#include "daemon/instance.hpp"
#include "log/logger.hpp"
#include "proxy/tls_settings.hpp"
#include "transport/peer.hpp"

namespace sipproxy::daemon {

namespace asio = boost::asio;

void runtime_options::apply() {
  auto& settings = m_.settings;
  config::derive_typed(settings);
  m_.overload.set_rate(settings.overload_ctrl_dialog_rate);
  m_.layer->set_max_in_flight(static_cast<std::size_t>(settings.max_transactions));
  m_.selector->set_method(settings.load_balancing == "random"
                              ? routing::balance_method::random
                              : routing::balance_method::round_robin);
  m_.prober->reconfigure();
  // Re-resolved only when it changed (a blocking look-up, rare by construction).
  if (settings.feature_server_address != resolved_feature_server_) use_feature_servers();
  use_tls();
}

std::string runtime_options::tls_values() const {
  const auto& s = m_.settings;
  return s.tls_certificate + '\n' + s.tls_private_key + '\n' + s.tls_ca_file + '\n' +
         s.tls_min_version + '\n' + s.tls_ciphers;
}

void runtime_options::use_tls() {
  const auto& settings = m_.settings;
  if (settings.self.tls_port == 0 || tls_values() == tls_loaded_) return;
  std::string error;
  auto tls = proxy::load_tls(settings, error);
  if (!tls) {
    log::event(log::event_id::error_reading_config_data,
               "TLS keeps the running certificate and key: {}", error);
    return;
  }
  log::standard("TLS certificate {} (serial {}, valid until {}) for new connections",
                settings.tls_certificate, tls->serial, tls->not_after);
  tls_loaded_ = tls_values();
  m_.transport->set_tls(std::move(*tls));
}

void runtime_options::use_feature_servers() {
  const auto& settings = m_.settings;
  auto& state = m_.state;
  resolved_feature_server_ = settings.feature_server_address;
  state.feature_servers.set_local_geo(settings.geo_location);
  state.feature_servers.assign(
      resolve_feature_servers(settings.feature_servers, settings.dns_server));
  ++feature_server_generation_;
  m_.prober->watch_feature_servers(state.feature_servers);
  if (m_.refresher) watch_feature_server_names();
}

void runtime_options::watch_feature_server_names() {
  std::uint64_t generation = feature_server_generation_;
  auto& state = m_.state;
  for (std::size_t i = 0; i < state.feature_servers.all().size(); ++i) {
    const routing::member& fs = state.feature_servers.all()[i];
    std::string host = fs.configured.substr(0, fs.configured.rfind(':'));
    asio::ip::address ip;
    if (transport::parse_ip(host, ip)) continue;
    m_.refresher->watch(host, fs.address.address, "Feature Server " + fs.configured,
                        [this, generation, i](const asio::ip::address& a) {
                          // Only while the list it was watched for is the list in use.
                          if (generation == feature_server_generation_)
                            m_.state.feature_servers.all()[i].address.address = a;
                        });
  }
}

void runtime_options::watch_host_names() {
  if (m_.resolver->status() || m_.settings.dns_server.empty()) return;
  m_.refresher = std::make_unique<proxy::host_refresher>(*m_.resolver, m_.timers,
                                                         m_.options.timers.dns_refresh_floor);
  for (auto& pair : m_.servers.pairs()) {
    for (routing::member* m : {&pair.primary, pair.backup ? &*pair.backup : nullptr}) {
      if (!m) continue;
      std::string host = m->configured.substr(0, m->configured.rfind(':'));
      asio::ip::address ip;
      if (transport::parse_ip(host, ip)) continue;
      std::string what =
          fmt::format("SIP Server {} {}", pair.name, m == &pair.primary ? "primary" : "backup");
      m_.refresher->watch(host, m->address.address, what,
                          [this, m, host](const asio::ip::address& a) {
                            m->address.address = a;
                            m_.hosts.add(host, a);
                          });
    }
  }
  watch_feature_server_names();
}

}  // namespace sipproxy::daemon
