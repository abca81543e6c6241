// A pool of two instances, SIPProxy_1 and SIPProxy_2, both with a mgmt-port on loopback:
// the settings the pool's unit tests and its fuzz target run with.
#pragma once

#include <string>

#include "config/settings.hpp"

namespace sipproxy::cluster::test_support {

inline config::settings two_instance_settings(const std::string& self) {
  config::settings s;
  s.app = self;
  s.sipproxy_applications = {"SIPProxy_1", "SIPProxy_2"};
  for (const char* name : {"SIPProxy_1", "SIPProxy_2"}) {
    config::proxy_app p;
    p.name = name;
    p.host = "127.0.0.1";
    p.mgmt_port = 5061;
    s.proxies.push_back(p);
  }
  return s;
}

}  // namespace sipproxy::cluster::test_support
