// A failure before the proxy serves: the seed's event and a sentence for the operator.
// sipproxyd logs it whatever the log level and exits 1.
#pragma once

#include <stdexcept>
#include <string>

#include "log/event_id.hpp"

namespace sipproxy::daemon {

class startup_error : public std::runtime_error {
 public:
  startup_error(log::event_id id, const std::string& what) : std::runtime_error(what), id_(id) {}
  log::event_id event() const { return id_; }

 private:
  log::event_id id_;
};

}  // namespace sipproxy::daemon
