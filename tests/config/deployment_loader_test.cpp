#include "config/deployment_loader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config_error.hpp"

namespace sipproxy::config {
namespace {

// Joins lines with '\n'; line N of the file is lines[N - 1].
std::string file(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

const std::vector<std::string> standalone = {
    "[sipproxy]",                                 // 1
    "sipproxy-role = 10",                         // 2
    "serving-sipserver = SIP_Server_1",           // 3
    "applications = SIP_Server_1, SIP_Server_2",  // 4
    "sipproxy-applications = proxy1,proxy2",      // 5
    "oos-check = 10   ; checked often",           // 6
    "resolve-host = true",                        // 7
    "# a comment line",                           // 8
    "",                                           // 9
    "[SIP_Server_1]",                             // 10
    "type = sip-server",                          // 11
    "primary = 10.0.0.1:5060",                    // 12
    "backup = 10.0.0.2:5070;transport=tcp",       // 13
    "geo-location = west",                        // 14
    "",                                           // 15
    "[SIP_Server_2]",                             // 16
    "type = sip-server",                          // 17
    "primary = [2001:db8::1]:5080",               // 18
    "",                                           // 19
    "[proxy1]",                                   // 20
    "type = sip-proxy",                           // 21
    "host = proxy1.example.com",                  // 22
    "sip-port = 5090",                            // 23
    "mgmt-port = 7001",                           // 24
    "oos-check = 20",                             // 25
    "",                                           // 26
    "[proxy2]",                                   // 27
    "type = sip-proxy",                           // 28
    "host = proxy2.example.com",                  // 29
};

// Loads `lines` and expects a config_error at `line` whose message contains `text`.
void expect_error(const std::vector<std::string>& lines, const std::string& app, int line,
                  const std::string& text) {
  try {
    load_deployment_text(file(lines), "test.conf", app);
    ADD_FAILURE() << "no config_error; expected line " << line << ": " << text;
  } catch (const config_error& e) {
    std::string what = e.what();
    EXPECT_EQ(e.line(), line) << what;
    EXPECT_EQ(e.file(), "test.conf");
    std::string where = line > 0 ? "test.conf:" + std::to_string(line) + ": " : "test.conf: ";
    EXPECT_EQ(what.rfind(where, 0), 0u) << what;
    EXPECT_NE(what.find(text), std::string::npos) << "'" << text << "' not in: " << what;
  }
}

std::vector<std::string> with(std::vector<std::string> lines, std::size_t line,
                              const std::string& replacement) {
  lines.at(line - 1) = replacement;
  return lines;
}

TEST(deployment_loader, valid_standalone_file_resolves) {
  settings s = load_deployment_text(file(standalone), "test.conf", "proxy1");
  EXPECT_EQ(s.file, "test.conf");
  EXPECT_EQ(s.app, "proxy1");
  EXPECT_EQ(s.role, 10);
  EXPECT_TRUE(s.standalone());
  EXPECT_EQ(s.serving_sipserver, "SIP_Server_1");
  EXPECT_EQ(s.applications, (std::vector<std::string>{"SIP_Server_1", "SIP_Server_2"}));
  EXPECT_EQ(s.sipproxy_applications, (std::vector<std::string>{"proxy1", "proxy2"}));
  EXPECT_TRUE(s.resolve_host);
  // Defaults for what the file does not set.
  EXPECT_EQ(s.oos_force, 5);
  EXPECT_EQ(s.send_data_timeout, 100);
  EXPECT_EQ(s.wait_response_timeout, 5);
  EXPECT_EQ(s.sip_ip_tos, 256);
  EXPECT_EQ(s.max_connections_per_source, 256);
  EXPECT_EQ(s.max_transactions, 10000);
  EXPECT_EQ(s.max_registrations_per_aor, 20);
  EXPECT_EQ(s.values.at("oos-force"), "5");
  EXPECT_EQ(s.lines.at("oos-force"), 0);
  EXPECT_EQ(s.lines.at("sipproxy-role"), 2);
}

TEST(deployment_loader, servers_in_applications_order) {
  settings s = load_deployment_text(file(standalone), "test.conf", "proxy1");
  ASSERT_EQ(s.servers.size(), 2u);
  EXPECT_EQ(s.servers[0].name, "SIP_Server_1");
  EXPECT_EQ(s.servers[0].primary.host, "10.0.0.1");
  EXPECT_EQ(s.servers[0].primary.port, 5060);
  EXPECT_FALSE(s.servers[0].primary.tcp);
  ASSERT_TRUE(s.servers[0].backup);
  EXPECT_EQ(s.servers[0].backup->host, "10.0.0.2");
  EXPECT_EQ(s.servers[0].backup->port, 5070);
  EXPECT_TRUE(s.servers[0].backup->tcp);
  EXPECT_EQ(s.servers[0].geo_location, "west");
  EXPECT_EQ(s.servers[1].name, "SIP_Server_2");
  EXPECT_EQ(s.servers[1].primary.host, "2001:db8::1");
  EXPECT_EQ(s.servers[1].primary.port, 5080);
  EXPECT_FALSE(s.servers[1].backup);
}

TEST(deployment_loader, applications_order_is_the_listed_one) {
  auto lines = with(standalone, 4, "applications = SIP_Server_2, SIP_Server_1");
  settings s = load_deployment_text(file(lines), "test.conf", "proxy1");
  ASSERT_EQ(s.servers.size(), 2u);
  EXPECT_EQ(s.servers[0].name, "SIP_Server_2");
  EXPECT_EQ(s.servers[1].name, "SIP_Server_1");
}

TEST(deployment_loader, self_application) {
  settings s = load_deployment_text(file(standalone), "test.conf", "proxy1");
  EXPECT_EQ(s.self.name, "proxy1");
  EXPECT_EQ(s.self.host, "proxy1.example.com");
  EXPECT_EQ(s.self.sip_port, 5090);
  ASSERT_TRUE(s.self.mgmt_port);
  EXPECT_EQ(*s.self.mgmt_port, 7001);
  EXPECT_FALSE(s.self.http_port);
  EXPECT_EQ(s.self.mgmt_address, "127.0.0.1");
  ASSERT_EQ(s.proxies.size(), 2u);

  settings other = load_deployment_text(file(standalone), "test.conf", "proxy2");
  EXPECT_EQ(other.self.name, "proxy2");
  EXPECT_EQ(other.self.host, "proxy2.example.com");
  EXPECT_EQ(other.self.sip_port, 5060);
  EXPECT_FALSE(other.self.mgmt_port);
}

// Without mgmt-address, a section binds its management port on loopback unless a
// mgmt-token applies to it (its own or [sipproxy]'s): then on its host, so that instances
// on other hosts can link.
TEST(deployment_loader, mgmt_address_defaults_to_host_with_a_token) {
  auto lines = with(standalone, 8, "mgmt-token = s3cret");
  lines.push_back("mgmt-port = 7002");
  settings s = load_deployment_text(file(lines), "test.conf", "proxy1");
  EXPECT_EQ(s.self.mgmt_address, "proxy1.example.com");
  EXPECT_FALSE(s.self.mgmt_address_set);
  EXPECT_EQ(s.values.at("mgmt-address"), "proxy1.example.com");
  ASSERT_EQ(s.proxies.size(), 2u);
  EXPECT_EQ(s.proxies[1].mgmt_address, "proxy2.example.com");  // a peer's, the same rule

  // An explicit mgmt-address wins.
  lines.push_back("mgmt-address = 127.0.0.2");
  settings other = load_deployment_text(file(lines), "test.conf", "proxy2");
  EXPECT_EQ(other.self.mgmt_address, "127.0.0.2");
  EXPECT_TRUE(other.self.mgmt_address_set);
  EXPECT_EQ(other.proxies[0].mgmt_address, "proxy1.example.com");
}

TEST(deployment_loader, mgmt_address_stays_on_loopback_without_a_token) {
  settings s = load_deployment_text(file(standalone), "test.conf", "proxy1");
  EXPECT_EQ(s.self.mgmt_address, "127.0.0.1");
  EXPECT_EQ(s.values.at("mgmt-address"), "127.0.0.1");
  // A token in one application's section applies to that section only.
  auto lines = standalone;
  lines.push_back("mgmt-token = s3cret");
  settings t = load_deployment_text(file(lines), "test.conf", "proxy1");
  EXPECT_EQ(t.self.mgmt_address, "127.0.0.1");
  EXPECT_EQ(t.proxies[1].mgmt_address, "proxy2.example.com");
}

TEST(deployment_loader, application_section_overrides_sipproxy) {
  settings s = load_deployment_text(file(standalone), "test.conf", "proxy1");
  EXPECT_EQ(s.oos_check, 20);
  EXPECT_EQ(s.values.at("oos-check"), "20");
  EXPECT_EQ(s.lines.at("oos-check"), 25);

  settings other = load_deployment_text(file(standalone), "test.conf", "proxy2");
  EXPECT_EQ(other.oos_check, 10);  // the [sipproxy] value, comment stripped
  EXPECT_EQ(other.lines.at("oos-check"), 6);
}

TEST(deployment_loader, unknown_option_with_suggestion) {
  expect_error(with(standalone, 6, "oos-chek = 10"), "proxy1", 6,
               "unknown option 'oos-chek' in [sipproxy] (did you mean 'oos-check'?)");
}

TEST(deployment_loader, unknown_option_in_application_section) {
  expect_error(with(standalone, 24, "mgmt-prot = 7001"), "proxy1", 24,
               "unknown option 'mgmt-prot' in [proxy1] (did you mean 'mgmt-port'?)");
}

TEST(deployment_loader, unknown_option_without_suggestion) {
  expect_error(with(standalone, 7, "frobnicate-everything = 1"), "proxy1", 7,
               "unknown option 'frobnicate-everything'");
  try {
    load_deployment_text(file(with(standalone, 7, "frobnicate-everything = 1")), "test.conf",
                         "proxy1");
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()).find("did you mean"), std::string::npos) << e.what();
  }
}

TEST(deployment_loader, out_of_range_names_the_valid_range) {
  expect_error(with(standalone, 6, "oos-check = 301"), "proxy1", 6, "0-300");
  expect_error(with(standalone, 25, "oos-check = -1"), "proxy1", 25, "0-300");
  expect_error(with(standalone, 7, "resolve-host = yes"), "proxy1", 7, "true, false");
  expect_error(with(standalone, 2, "sipproxy-role = 5"), "proxy1", 2, "0, 10");
  expect_error(with(standalone, 23, "sip-port = 0"), "proxy1", 23, "1-65535");
}

TEST(deployment_loader, tls_port_needs_certificate_and_key_and_its_own_port) {
  auto tls = with(standalone, 25, "sip-tls-port = 5091");
  expect_error(tls, "proxy1", 25, "needs 'tls-certificate'");
  tls = with(tls, 8, "tls-certificate = /etc/sipproxy/cert.pem");
  expect_error(tls, "proxy1", 25, "needs 'tls-private-key'");
  tls = with(tls, 9, "tls-private-key = /etc/sipproxy/key.pem");
  auto s = load_deployment_text(file(tls), "test.conf", "proxy1");
  EXPECT_EQ(s.self.tls_port, 5091);
  EXPECT_EQ(s.tls_certificate, "/etc/sipproxy/cert.pem");
  EXPECT_EQ(s.tls_min_version, "1.2");
  EXPECT_FALSE(s.tls_ciphers.empty());
  expect_error(with(tls, 25, "sip-tls-port = 5090"), "proxy1", 25, "is the sip-port");
  expect_error(with(tls, 7, "tls-min-version = 1.1"), "proxy1", 7, "1.2, 1.3");
  expect_error(with(tls, 7, "sip-tls-port = 5091"), "proxy1", 7,
               "belongs in a sip-proxy application section");
}

// The guide: geo-location is "any alphanumeric string", in the proxy's options and in a
// SIP Server's section alike.
TEST(deployment_loader, geo_location_must_be_alphanumeric) {
  expect_error(with(standalone, 8, "geo-location = us-east"), "proxy1", 8,
               "option 'geo-location': 'us-east' is not valid; valid values: letters and digits");
  expect_error(with(standalone, 25, "geo-location = dc 1"), "proxy1", 25, "letters and digits");
  expect_error(with(standalone, 14, "geo-location = west.1"), "proxy1", 14,
               "[SIP_Server_1] geo-location = 'west.1' is not valid; valid values: letters and "
               "digits");
  auto s = load_deployment_text(file(with(standalone, 8, "geo-location = DC2east")), "test.conf",
                                "proxy1");
  EXPECT_EQ(s.geo_location, "DC2east");
  EXPECT_EQ(s.servers.at(0).geo_location, "west");
}

TEST(deployment_loader, duplicate_option) {
  auto lines = standalone;
  lines.insert(lines.begin() + 7, "oos-check = 11");  // becomes line 8
  expect_error(lines, "proxy1", 8, "option 'oos-check' repeats the one at line 6");
}

TEST(deployment_loader, duplicate_section) {
  auto lines = standalone;
  lines.push_back("[proxy1]");  // line 30
  expect_error(lines, "proxy1", 30, "section [proxy1] repeats the one at line 20");
}

TEST(deployment_loader, missing_sipproxy_section) {
  auto lines = with(standalone, 1, "[something-else]");
  lines.insert(lines.begin() + 1, "type = sip-proxy");
  expect_error(lines, "proxy1", 0, "no [sipproxy] section");
}

TEST(deployment_loader, missing_app_section) {
  expect_error(standalone, "proxy9", 0, "no application section [proxy9]");
}

TEST(deployment_loader, app_naming_a_sip_server_section) {
  expect_error(standalone, "SIP_Server_1", 10, "--app must name a sip-proxy");
}

TEST(deployment_loader, standalone_without_serving_sipserver) {
  expect_error(with(standalone, 3, "# no serving-sipserver"), "proxy1", 2,
               "needs 'serving-sipserver'");
}

TEST(deployment_loader, serving_sipserver_not_in_applications) {
  auto lines = with(standalone, 3, "serving-sipserver = SIP_Server_2");
  lines = with(lines, 4, "applications = SIP_Server_1");
  expect_error(lines, "proxy1", 3, "'SIP_Server_2' is not in 'applications'");
}

TEST(deployment_loader, applications_naming_a_missing_section) {
  expect_error(with(standalone, 4, "applications = SIP_Server_1, SIP_Server_3"), "proxy1", 4,
               "'SIP_Server_3' has no sip-server section");
}

TEST(deployment_loader, applications_naming_a_proxy_section) {
  expect_error(with(standalone, 4, "applications = SIP_Server_1, proxy2"), "proxy1", 4,
               "'proxy2' has no sip-server section");
}

TEST(deployment_loader, sipproxy_applications_naming_a_missing_section) {
  expect_error(with(standalone, 5, "sipproxy-applications = proxy1, proxy3"), "proxy1", 5,
               "'proxy3' has no sip-proxy section");
}

TEST(deployment_loader, sip_server_section_without_primary) {
  expect_error(with(standalone, 18, "backup = 10.0.0.9:5060"), "proxy1", 16,
               "sip-server section [SIP_Server_2] has no 'primary");
}

TEST(deployment_loader, bad_member_port) {
  expect_error(with(standalone, 12, "primary = 10.0.0.1:99999"), "proxy1", 12,
               "the port must be 1-65535");
  expect_error(with(standalone, 12, "primary = 10.0.0.1:0"), "proxy1", 12,
               "the port must be 1-65535");
  expect_error(with(standalone, 13, "backup = 10.0.0.2:abc"), "proxy1", 13,
               "the port must be 1-65535");
}

TEST(deployment_loader, bad_member_transport) {
  expect_error(with(standalone, 13, "backup = 10.0.0.2:5070;transport=sctp"), "proxy1", 13,
               ";transport=tcp");
}

TEST(deployment_loader, malformed_section_header) {
  expect_error(with(standalone, 20, "[proxy1"), "proxy1", 20, "malformed section header");
  expect_error(with(standalone, 20, "[]"), "proxy1", 20, "malformed section header");
}

TEST(deployment_loader, line_without_equals) {
  expect_error(with(standalone, 8, "just some words"), "proxy1", 8, "expected 'option = value'");
}

TEST(deployment_loader, option_before_any_section) {
  auto lines = standalone;
  lines.insert(lines.begin(), "oos-check = 5");
  expect_error(lines, "proxy1", 1, "option outside any section");
}

TEST(deployment_loader, application_option_in_sipproxy_section) {
  expect_error(with(standalone, 8, "sip-port = 5060"), "proxy1", 8,
               "belongs in a sip-proxy application section");
}

TEST(deployment_loader, section_without_type) {
  expect_error(with(standalone, 28, "# no type"), "proxy1", 27, "has no 'type'");
}

TEST(deployment_loader, cluster_mode_needs_no_serving_sipserver) {
  auto lines = with(standalone, 2, "sipproxy-role = 0");
  lines = with(lines, 3, "# cluster");
  settings s = load_deployment_text(file(lines), "test.conf", "proxy1");
  EXPECT_EQ(s.role, 0);
  EXPECT_FALSE(s.standalone());
  EXPECT_EQ(s.servers.size(), 2u);
}

TEST(deployment_loader, no_applications_at_all) {
  auto lines = with(standalone, 2, "sipproxy-role = 0");
  lines = with(lines, 3, "# cluster");
  lines = with(lines, 4, "# none");
  expect_error(lines, "proxy1", 1, "'applications' lists no SIP Server");
}

TEST(deployment_loader, missing_file) {
  try {
    load_deployment("/nonexistent/dir/sipproxy.conf", "proxy1");
    ADD_FAILURE() << "no config_error";
  } catch (const config_error& e) {
    EXPECT_EQ(e.line(), 0);
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos) << e.what();
  }
}

TEST(deployment_loader, shared_storage_defaults_to_peers) {
  settings s = load_deployment_text(file(standalone), "test.conf", "proxy1");
  EXPECT_FALSE(s.redis.has_value());
  EXPECT_EQ(s.values.at("shared-storage"), "peers");
}

TEST(deployment_loader, shared_storage_redis_url) {
  settings s = load_deployment_text(
      file(with(standalone, 9, "shared-storage = redis://:pw@127.0.0.1:6380/3")), "test.conf",
      "proxy1");
  ASSERT_TRUE(s.redis.has_value());
  EXPECT_EQ(s.redis->nodes.at(0).host, "127.0.0.1");
  EXPECT_EQ(s.redis->nodes.at(0).port, 6380);
  EXPECT_EQ(s.redis->db, 3);
  EXPECT_EQ(s.redis->password, "pw");
}

TEST(deployment_loader, bad_shared_storage_names_file_line_and_values) {
  expect_error(with(standalone, 9, "shared-storage = redis://redis.example.com:6379"), "proxy1", 9,
               "option 'shared-storage': 'redis://redis.example.com:6379' is not valid");
  expect_error(with(standalone, 9, "shared-storage = redis://:secret@127.0.0.1"), "proxy1", 9,
               "redis://:***@127.0.0.1");
  expect_error(with(standalone, 9, "shared-storage = memcached"), "proxy1", 9,
               "valid values: peers, redis://[:PASSWORD@]IP:PORT[/DB], "
               "redis-cluster://[:PASSWORD@]IP:PORT[,IP:PORT...], "
               "redis-sentinel://[:PASSWORD@]IP:PORT[,IP:PORT...]/MASTER[/DB]");
  expect_error(with(standalone, 9, "shared-storage = redis-cluster://127.0.0.1:7000/1"), "proxy1",
               9, "a Redis Cluster has database 0 only");
  expect_error(with(standalone, 9, "shared-storage = redis-sentinel://127.0.0.1:26379"), "proxy1",
               9, "the master's name goes after the sentinels");
}

TEST(deployment_loader, shared_storage_cluster_and_sentinel_urls) {
  settings c = load_deployment_text(
      file(with(standalone, 9, "shared-storage = redis-cluster://127.0.0.1:7000,127.0.0.1:7001")),
      "test.conf", "proxy1");
  ASSERT_TRUE(c.redis.has_value());
  EXPECT_EQ(c.redis->mode, redis_mode::cluster);
  EXPECT_EQ(c.redis->nodes.size(), 2u);
  settings t = load_deployment_text(
      file(with(standalone, 9, "shared-storage = redis-sentinel://127.0.0.1:26379/m/2")),
      "test.conf", "proxy1");
  ASSERT_TRUE(t.redis.has_value());
  EXPECT_EQ(t.redis->mode, redis_mode::sentinel);
  EXPECT_EQ(t.redis->master_name, "m");
  EXPECT_EQ(t.redis->db, 2);
}

}  // namespace
}  // namespace sipproxy::config
