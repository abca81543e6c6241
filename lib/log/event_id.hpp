// The seed's Standard-level log events. Every line that reports one carries the number
// and the name, so operators can grep for either.
#pragma once

#include <string_view>

namespace sipproxy::log {

enum class event_id {
  own_proxy_addr_not_found = 40000,
  sips_ha_pair_unavailable = 40001,
  other_proxy_instance_disconnected = 40002,
  error_reading_config_data = 40003,
  proxy_initialized = 40004,
  host_not_resolved = 40005,
  sip_listener_cannot_start = 40006,
  mgmt_listener_cannot_start = 40007,
  // Added by this implementation (shared-storage = redis://...).
  shared_storage_unavailable = 40008,
  shared_storage_restored = 40009,
  // A REGISTER's 2xx relayed before the pool confirmed its binding changes.
  registration_not_confirmed = 40010,
};

std::string_view event_name(event_id id);

}  // namespace sipproxy::log
