#include "log/event_id.hpp"

namespace sipproxy::log {

std::string_view event_name(event_id id) {
  switch (id) {
    case event_id::own_proxy_addr_not_found:
      return "SPR_OWN_PROXY_ADDR_NOT_FOUND";
    case event_id::sips_ha_pair_unavailable:
      return "SPR_SIPS_HA_PAIR_UNAVAILABLE";
    case event_id::other_proxy_instance_disconnected:
      return "SPR_OTHER_PROXY_INSTANCE_DISCONNECTED";
    case event_id::error_reading_config_data:
      return "SPR_ERROR_READING_CONFIG_DATA";
    case event_id::proxy_initialized:
      return "SPR_PROXY_INITIALIZED";
    case event_id::host_not_resolved:
      return "SPR_HOST_NOT_RESOLVED";
    case event_id::sip_listener_cannot_start:
      return "SPR_SIP_LISTENER_CANNOT_START";
    case event_id::mgmt_listener_cannot_start:
      return "PR_MGMT_LISTENER_CANNOT_START";
    case event_id::shared_storage_unavailable:
      return "SPR_SHARED_STORAGE_UNAVAILABLE";
    case event_id::shared_storage_restored:
      return "SPR_SHARED_STORAGE_RESTORED";
    case event_id::registration_not_confirmed:
      return "SPR_REGISTRATION_NOT_CONFIRMED";
  }
  return "UNKNOWN";
}

}  // namespace sipproxy::log
