#include "daemon/preflight.hpp"

#include <fmt/format.h>

#include "daemon/configured_names.hpp"
#include "daemon/startup_error.hpp"
#include "dns/system_lookup.hpp"
#include "proxy/tls_settings.hpp"
#include "transport/local_addresses.hpp"

namespace sipproxy::daemon {

void preflight(const config::settings& s) {
  // The seed's 40000: this instance must be one of the pool's.
  if (!s.sipproxy_applications.empty()) {
    bool listed = false;
    for (const auto& name : s.sipproxy_applications) listed = listed || name == s.app;
    if (!listed)
      throw startup_error(
          log::event_id::own_proxy_addr_not_found,
          fmt::format("Initialization failed: proxy {} ({}:{}) is not in "
                      "sipproxy-applications ({}:{})",
                      s.app, s.self.host.empty() ? transport::local_host_name() : s.self.host,
                      s.self.sip_port, s.file, s.lines.at("sipproxy-applications")));
  }
  // ... and its host:port must be this host's: the section's `host` names an address of
  // this machine (a name that does not resolve is left to resolve-host and 40005).
  if (!s.self.host.empty()) {
    auto ip = dns::system_lookup(s.self.host);
    if (ip && !transport::is_local_address(*ip)) {
      auto line = s.lines.find("host");
      throw startup_error(
          log::event_id::own_proxy_addr_not_found,
          fmt::format("Initialization failed: proxy {} ({}:{}) is not on this host: {} is not "
                      "an address of this machine ({}:{})",
                      s.app, s.self.host, s.self.sip_port, ip->to_string(), s.file,
                      line == s.lines.end() ? 0 : line->second));
    }
  }
  via_host_of(s);
  if (s.self.tls_port != 0) {
    std::string error;
    if (!proxy::load_tls(s, error))
      throw startup_error(log::event_id::error_reading_config_data,
                          "Error while reading configuration data: " + error);
  }
  for (const auto& app : s.servers) {
    for (const auto* a : {&app.primary, app.backup ? &*app.backup : nullptr}) {
      if (a && !resolve_configured(s.dns_server, a->host))
        throw startup_error(
            log::event_id::error_reading_config_data,
            fmt::format("SIP Server {}: cannot resolve host '{}'", app.name, a->host));
    }
  }
}

}  // namespace sipproxy::daemon
