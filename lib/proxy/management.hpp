// The management commands of one instance (sipproxyctl, DESIGN.md): status, servers,
// registrations, dialogs, peers, get, set, drain, undrain. Reads the live state; `set`
// changes only options that take effect immediately (or on the next REGISTER), checked
// against the option table.
#pragma once

#include <chrono>
#include <functional>

#include "cluster/shared_state.hpp"
#include "config/settings.hpp"
#include "health/health_prober.hpp"
#include "mgmt/command_handler.hpp"
#include "mgmt/http_source.hpp"
#include "proxy/metric_table.hpp"
#include "proxy/proxy_core.hpp"
#include "registrar/binding_store.hpp"
#include "routing/session_table.hpp"
#include "txn/transaction_layer.hpp"

namespace sipproxy::proxy {

struct management_view {
  config::settings& settings;
  const local_identity& self;
  routing::server_table& servers;
  health::health_prober& prober;
  registrar::binding_store& bindings;
  routing::session_table& sessions;
  proxy_core& core;
  txn::transaction_layer& layer;
  overload_control& overload;
  std::function<void()> apply_runtime_options;  // after settings.values changed
  std::function<void(bool)> set_draining;
  cluster::shared_state& shared;  // the peer links, or Redis
};

class management : public mgmt::command_handler, public mgmt::http_source {
 public:
  explicit management(management_view view);
  mgmt::json handle(const mgmt::request& r) override;

  mgmt::json status_document() const override;
  std::string metrics_text() const override;
  bool serving() const override;

  // The alarms now raised (the seed's SCI alarms): one line each.
  std::vector<std::string> alarms() const;

 private:
  metric_source metrics() const;
  mgmt::json status() const;
  mgmt::json servers() const;
  mgmt::json feature_servers() const;
  mgmt::json registrations(const std::vector<std::string>& args) const;
  mgmt::json get(const std::vector<std::string>& args) const;
  mgmt::json set(const std::vector<std::string>& args);

  management_view v_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace sipproxy::proxy
