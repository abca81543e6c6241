#include "daemon/preflight.hpp"

#include <gtest/gtest.h>

#include <string>

#include "config/deployment_loader.hpp"
#include "daemon/startup_error.hpp"

namespace sipproxy::daemon {
namespace {

// A standalone deployment whose instance proxy1 runs on `host`; sipproxy-applications lists
// `listed`.
config::settings deployment(const std::string& host, const std::string& listed = "proxy1") {
  std::string text =
      "[sipproxy]\n"
      "sipproxy-role = 10\n"
      "serving-sipserver = SIP_Server_1\n"
      "applications = SIP_Server_1\n"
      "sipproxy-applications = " +
      listed +
      "\n"
      "\n"
      "[SIP_Server_1]\n"
      "type = sip-server\n"
      "primary = 127.0.0.1:5070\n"
      "\n"
      "[proxy1]\n"
      "type = sip-proxy\n"
      "host = " +
      host +
      "\n"  // line 13
      "sip-port = 5090\n"
      "\n"
      "[proxy2]\n"
      "type = sip-proxy\n"
      "host = 127.0.0.1\n";
  return config::load_deployment_text(text, "test.conf", "proxy1");
}

log::event_id event_of(const config::settings& s) {
  try {
    preflight(s);
  } catch (const startup_error& e) {
    return e.event();
  }
  return log::event_id::proxy_initialized;
}

TEST(preflight, instance_on_this_host_passes) {
  EXPECT_EQ(event_of(deployment("127.0.0.1")), log::event_id::proxy_initialized);
  EXPECT_EQ(event_of(deployment("127.0.0.2")), log::event_id::proxy_initialized);
}

// The guide's 40000: "proxy address (host:port) is not found in the list".
TEST(preflight, name_not_in_sipproxy_applications_is_40000) {
  EXPECT_EQ(event_of(deployment("127.0.0.1", "proxy2")), log::event_id::own_proxy_addr_not_found);
}

TEST(preflight, host_of_another_machine_is_40000) {
  auto s = deployment("192.0.2.1");  // TEST-NET-1: never an address of this machine
  try {
    preflight(s);
    ADD_FAILURE() << "preflight passed for an instance whose host is not this machine";
  } catch (const startup_error& e) {
    EXPECT_EQ(e.event(), log::event_id::own_proxy_addr_not_found);
    std::string what = e.what();
    EXPECT_NE(what.find("proxy1 (192.0.2.1:5090)"), std::string::npos) << what;
    EXPECT_NE(what.find("test.conf:13"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace sipproxy::daemon
