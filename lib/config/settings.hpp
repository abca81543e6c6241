// The typed view of one proxy instance's configuration, resolved from the deployment
// file for one application name.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/shared_storage.hpp"
#include "log/log_options.hpp"

namespace sipproxy::config {

struct server_address {
  std::string host;
  std::uint16_t port = 5060;
  bool tcp = false;  // ";transport=tcp" after host:port
};

// One SIP Server HA pair: a [NAME] section with type = sip-server.
struct sip_server_app {
  std::string name;
  server_address primary;
  std::optional<server_address> backup;
  std::string geo_location;
};

// One proxy instance: a [NAME] section with type = sip-proxy.
struct proxy_app {
  std::string name;
  std::string host;
  std::uint16_t sip_port = 5060;
  std::uint16_t tls_port = 0;  // sip-tls-port; 0 = none
  std::optional<std::uint16_t> mgmt_port;
  std::optional<std::uint16_t> http_port;
  // Where the management and HTTP ports bind: the section's mgmt-address; without one,
  // its host when a mgmt-token applies to it (peers on other hosts can link), else
  // loopback. A host name here is resolved at startup.
  std::string mgmt_address = "127.0.0.1";
  bool mgmt_address_set = false;  // mgmt-address is in the section
};

struct settings {
  std::string file;
  std::string app;  // this instance's application name

  // Effective option values (the table's names), after defaults and overrides.
  std::map<std::string, std::string> values;
  std::map<std::string, int> lines;  // where each value was set (0 = default)

  // Typed copies of the values the proxy reads.
  int role = 0;  // 0 cluster, 10 standalone
  bool standalone() const { return role == 10; }
  std::vector<std::string> applications;
  std::vector<std::string> sipproxy_applications;
  std::string serving_sipserver;
  std::string contact_address;
  std::string internal_domain;
  std::string feature_server_address;
  // Its entries, in order: "host:port", each with the data centre an optional
  // ";geo-location=NAME" gives it (empty: a candidate from every geo-location).
  struct feature_server_entry {
    std::string address;  // host:port as written
    std::string geo_location;
  };
  std::vector<feature_server_entry> feature_servers;
  std::string geo_location;
  std::string sip_address;
  std::string mgmt_token;
  std::string route_secret;           // 32 hex digits, or empty
  std::string route_secret_previous;  // accepted for verification only
  std::string load_balancing = "round-robin";
  std::string dns_server;
  bool resolve_host = false;
  int oos_check = 5;
  int oos_force = 5;
  int overload_ctrl_dialog_rate = 0;
  int registrar_default_timeout = 0;
  int send_data_timeout = 100;
  int wait_response_timeout = 5;
  int client_side_port = 0;
  int sip_ip_tos = 256;
  int max_connections_per_source = 256;
  int max_tcp_connections = 4096;
  int max_tcp_outbound_connections = 1024;
  // SIP over TLS (used when self.tls_port is set).
  std::string tls_certificate;
  std::string tls_private_key;
  std::string tls_ca_file;
  std::string tls_min_version = "1.2";
  std::string tls_ciphers;
  int mgmt_auth_timeout = 10;
  int max_transactions = 10000;
  int max_registrations_per_aor = 20;
  // How long a REGISTER's 2xx waits for the pool to confirm its changes (ms; 0: no wait)
  // and whose confirmation it waits for with peers: "one" live peer or "all" of them.
  int registration_confirm_timeout = 300;
  std::string registration_confirm_peers = "one";
  // shared-storage: nullopt = "peers" (the pool replicates over the mgmt port).
  std::optional<redis_target> redis;
  // The [log] section, when the file has one (else logging follows the command line).
  std::optional<log::log_options> log;

  proxy_app self;
  std::vector<proxy_app> proxies;       // every sip-proxy section, this one included
  std::vector<sip_server_app> servers;  // in `applications` order; index = SIP Server index
};

}  // namespace sipproxy::config
